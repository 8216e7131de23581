/**
 * Characters that MQTT allows in UTF-8 strings but that we refuse in topic names, topic filters and
 * client identifiers, as Mosquitto does: control characters U+0001..U+001F and U+007F..U+009F and
 * Unicode non-characters ("SHOULD NOT be included", MQTT 5.0 §1.5.4; U+0000 and ill-formed UTF-8
 * are already refused by protocol/strict-parser.ts for every string).
 */
const FORBIDDEN = /[\u0000-\u001f\u007f-\u009f\ufdd0-\ufdef\ufffe\uffff]|[\ud83f\ud87f\ud8bf\ud8ff\ud93f\ud97f\ud9bf\ud9ff\uda3f\uda7f\udabf\udaff\udb3f\udb7f\udbbf\udbff][\udffe\udfff]/

/** True when `s` holds a control character or a Unicode non-character. */
export function hasForbiddenCharacters (s: string): boolean {
  return FORBIDDEN.test(s)
}
