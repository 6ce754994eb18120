import { z } from "zod";
import { argvControlProblems } from "../../cluster/command-words";
import type { ResourceFragment } from "../../cluster/resource-fragment";
import { atMost, descriptionLimits, resourceName, seconds } from "../../cluster/schema-primitives";

const hookSchema = z
  .strictObject({
    kind: z.literal("hook"),
    name: resourceName,
    /** Run on acquire, after every other resource and before services. argv form, no shell. */
    acquire: atMost(z.string(), descriptionLimits.argv, "words").min(1).optional(),
    /** Run on release, after services stop and before any other resource is released. */
    release: atMost(z.string(), descriptionLimits.argv, "words").min(1).optional(),
    timeout: seconds(600).default(30),
  })
  .refine((h) => h.acquire !== undefined || h.release !== undefined, { error: "give acquire, release or both" });

export type HookSpec = z.infer<typeof hookSchema>;

export const hookFragment: ResourceFragment<typeof hookSchema> = {
  schema: hookSchema,
  problems: (_d, hooks) =>
    hooks.flatMap(({ spec, at }) =>
      (["acquire", "release"] as const).flatMap((phase) => {
        const argv = spec[phase];
        if (!argv) return [];
        const absolute = argv[0]!.startsWith("/")
          ? []
          : [{ path: `${at}.${phase}[0]`, message: `${JSON.stringify(argv[0])} must be an absolute path (no PATH search on a failover)` }];
        return [...absolute, ...argvControlProblems(argv, `${at}.${phase}`)];
      }),
    ),
};
