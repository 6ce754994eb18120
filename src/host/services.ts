import type { ServiceRef } from "./host-port";
import { runChecked, type Exec } from "./run-command";

// Services on top of the resources: a systemd unit, or an init-style script with LSB actions.

const statusTimeoutMs = 15_000;
/** systemd's own default start timeout is 90 s; leave it room to report first. */
const startStopTimeoutMs = 120_000;

export async function serviceActive(exec: Exec, service: ServiceRef): Promise<boolean> {
  // systemctl is-active: 0 active, 3 inactive, 4 no such unit. LSB status: 0 running, 1–4 not.
  const argv = "unit" in service ? ["systemctl", "is-active", "--quiet", service.unit] : [service.initScript, "status"];
  return (await exec(argv, statusTimeoutMs)).exitCode === 0;
}

export async function startService(exec: Exec, service: ServiceRef): Promise<void> {
  await runChecked(exec, actionArgv(service, "start"), startStopTimeoutMs, whyHint(service, "start"));
}

/** Stopping a stopped service succeeds (both systemctl and LSB scripts return 0). */
export async function stopService(exec: Exec, service: ServiceRef): Promise<void> {
  await runChecked(exec, actionArgv(service, "stop"), startStopTimeoutMs, whyHint(service, "stop"));
}

function actionArgv(service: ServiceRef, action: "start" | "stop"): string[] {
  return "unit" in service ? ["systemctl", action, service.unit] : [service.initScript, action];
}

function whyHint(service: ServiceRef, action: "start" | "stop"): string {
  return "unit" in service
    ? `see systemctl status ${service.unit} and journalctl -u ${service.unit}`
    : `run ${service.initScript} ${action} by hand to see why`;
}
