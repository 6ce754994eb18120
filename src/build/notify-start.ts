import { mayHandOver } from "../cli/notify/hand-over";
import { offerToHelper } from "./offer-to-helper";

// The start of aws-ha-notify: a transition (or a status or monitor) goes to the resident helper
// first, if one listens.
offerToHelper("aws-ha-notify", mayHandOver);
