/** Where things are inside the verification image (the builder writes them, /init and the entry read them). */
import { IMAGE_APP_ROOT } from '../image/bundle.js'

/** The entry bundle, at the path its own module's relative imports expect (as the stateless entry's). */
export const VERIFICATION_ENTRY_IN_IMAGE = `${IMAGE_APP_ROOT}/dist/src/linux/verification/image-main.js`
/** The anchor key the image answers to, written by the builder: {"anchorKey": "<hex>"}. */
export const ANCHOR_KEY_IN_IMAGE = `${IMAGE_APP_ROOT}/verification.json`
/**
 * The image's hard deadline, s from its /init: whatever happens (the anchor
 * never dials back, a benchmark hangs), the machine reboots into the VM's
 * own disk by then. Ten minutes: the anchor's own deadline for a whole
 * verification (DEFAULT_VERIFY_TIMEOUT_MS) is as long.
 */
export const VERIFICATION_DEADLINE_S = 600
