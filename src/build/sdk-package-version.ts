import { readFileSync } from "node:fs";
import type { Plugin } from "esbuild";

// Each AWS client imports its own package.json for one field, the version in its user agent, and
// esbuild then carries the whole file (files, scripts, typesVersions…) into the bundle every
// failover reads. Only the version is kept. It also keeps the globs of those files ("dist-*/**")
// out of the bundle, whose "*/" the comment that carries the bundle would otherwise have to escape.

export const sdkPackageVersion: Plugin = {
  name: "sdk-package-version",
  setup(build) {
    build.onLoad({ filter: /[\\/]node_modules[\\/]@aws-sdk[\\/][^\\/]+[\\/]package\.json$/ }, (args) => {
      const { version } = JSON.parse(readFileSync(args.path, "utf8")) as { version: string };
      return { contents: JSON.stringify({ version }), loader: "json" };
    });
  },
};
