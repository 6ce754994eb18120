import { mayHandOverUpdateEip } from "../cli/notify/hand-over";
import { offerToHelper } from "./offer-to-helper";

// The start of aws-ha-updateeip: Heartbeat's start, stop and status go to the resident helper
// first, if one listens, as aws-ha-notify's events do.
offerToHelper("aws-ha-updateeip", mayHandOverUpdateEip);
