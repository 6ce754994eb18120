import { z } from "zod";
import type { ResourceFragment } from "../../cluster/resource-fragment";
import { absolutePath, resourceName } from "../../cluster/schema-primitives";

const serviceSchema = z
  .strictObject({
    kind: z.literal("service"),
    name: resourceName,
    /** A systemd unit, e.g. postgresql.service. */
    unit: z
      .string()
      .regex(/^[A-Za-z0-9@_.:-]+\.(service|target)$/, { error: "must be a systemd unit like nginx.service" })
      .optional(),
    /** Or an init script, e.g. /etc/init.d/postgresql. */
    initScript: absolutePath.optional(),
  })
  .refine((s) => (s.unit === undefined) !== (s.initScript === undefined), {
    error: "give exactly one of unit or initScript",
  });

export type ServiceSpec = z.infer<typeof serviceSchema>;

export const serviceFragment: ResourceFragment<typeof serviceSchema> = {
  schema: serviceSchema,
  // A unit or script is judged on its own (and its owner by the trust check when it runs).
  problems: () => [],
};
