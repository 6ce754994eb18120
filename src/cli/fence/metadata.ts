import { agentName, fenceActions, parameters } from "./parameters";

// The fence-agents metadata: what `stonith_admin --metadata -a fence_aws_ha` and `pcs stonith
// describe fence_aws_ha` show, and where Pacemaker reads that the agent takes `plug` (so it passes
// the instance from pcmk_host_map there) and which actions it may ask for.

const xmlText = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

export function fenceMetadata(): string {
  const params = parameters
    .filter((p) => !p.internal)
    .map((p) => {
      const flags = [
        `name="${p.name}"`,
        `unique="0"`,
        `required="${p.required ? 1 : 0}"`,
        ...(p.deprecated ? [`deprecated="1"`] : []),
        ...(p.name === "plug" ? [`obsoletes="port"`] : []),
      ].join(" ");
      const getopt = p.short ? `-${p.short}, ${p.getopt}` : p.getopt;
      const content = `<content type="${p.type === "boolean" ? "boolean" : p.type}"${p.default !== undefined ? ` default="${xmlText(p.default)}"` : ""} />`;
      return [
        `\t<parameter ${flags}>`,
        `\t\t<getopt mixed="${xmlText(getopt)}" />`,
        `\t\t${content}`,
        `\t\t<shortdesc lang="en">${xmlText(p.shortdesc)}</shortdesc>`,
        `\t</parameter>`,
      ].join("\n");
    });
  const actions = fenceActions.map((a) => (a === "on" ? `\t<action name="on" automatic="0"/>` : `\t<action name="${a}" />`));
  return [
    `<?xml version="1.0" ?>`,
    `<resource-agent name="${agentName}" shortdesc="Fence agent for AWS EC2 instances (aws-ha)" >`,
    `<longdesc>${xmlText(
      "fence_aws_ha stops (off), starts (on) or stops and starts (reboot) an EC2 instance through the EC2 API, " +
        "with the AWS SDK for JavaScript and nothing but Node.js. off is StopInstances with Force and SkipOsShutdown, " +
        "then a wait until EC2 reports the instance stopped; an instance that is off already counts as fenced. " +
        "Credentials come from the SDK's chain (the instance profile); the role needs ec2:DescribeInstances, " +
        "ec2:StopInstances and ec2:StartInstances on the nodes' instances (aws-ha-gen iam-policy).",
    )}</longdesc>`,
    `<vendor-url>https://aws.amazon.com</vendor-url>`,
    `<parameters>`,
    ...params,
    `</parameters>`,
    `<actions>`,
    ...actions,
    `</actions>`,
    `</resource-agent>`,
    ``,
  ].join("\n");
}
