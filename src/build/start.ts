import { startBundle } from "./code-cache-bootstrap";

// The start of aws-ha-gen and aws-ha-fence: the bundle, compiled with V8's code cache.
startBundle();
