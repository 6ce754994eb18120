import { dirname } from "node:path";
import type { Plugin } from "esbuild";

// The SDK's checksum module asks node:zlib for a native CRC32 when it is evaluated, so every
// failover loaded zlib (about 1.4 ms here) for checksums only S3 computes; no call of aws-ha has
// one. Its native CRC32 class becomes its JavaScript one, which it takes on the Node.js versions
// without zlib.crc32 anyway.

export const sdkCrc32InJs: Plugin = {
  name: "sdk-crc32-in-js",
  setup(build) {
    build.onLoad({ filter: /[\\/]@smithy[\\/]core[\\/].*[\\/]checksum[\\/]crc32[\\/]Crc32Node\.js$/ }, (args) => ({
      contents: 'export { Crc32Js as Crc32Node } from "./Crc32Js";',
      resolveDir: dirname(args.path),
      loader: "js",
    }));
  },
};
