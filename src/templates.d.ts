declare module "*.eta" {
  const text: string;
  export default text;
}

/** The package version, set by the bundler. */
declare const __AWS_HA_VERSION__: string;

declare module "*.xml" {
  const text: string;
  export default text;
}

/** examples/cluster.yaml, which `aws-ha-gen init` writes. */
declare module "*.yaml" {
  const text: string;
  export default text;
}
