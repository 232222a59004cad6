/* The unified social credit code (统一社会信用代码, GB 32100-2015) checked on the phone:
   a port of crm/merchants/credit_code.py (tests/merchants/test_credit_code_js.py runs both on the
   same codes). */
(function (root) {
  "use strict";
  var ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY";  // 31 characters: no I, O, S, V, Z
  var WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

  function normalize(raw) {  // full-width to half-width, spaces dropped, upper case
    return (raw || "").normalize("NFKC").replace(/\s+/g, "").toUpperCase();
  }
  function checkCharacter(first17) {
    var total = 0;
    for (var i = 0; i < 17; i++) total += ALPHABET.indexOf(first17[i]) * WEIGHTS[i];
    return ALPHABET[(31 - total % 31) % 31];
  }
  // {code, reason: null | "length" | "characters" | "check", detail}
  function validate(raw) {
    var code = normalize(raw);
    if (code.length !== 18) return {code: code, reason: "length", detail: String(code.length)};
    var bad = Array.from(new Set(code.split("").filter(function (ch) { return ALPHABET.indexOf(ch) < 0; }))).sort();
    if (bad.length) return {code: code, reason: "characters", detail: bad.join("")};
    var expected = checkCharacter(code.slice(0, 17));
    if (code[17] !== expected) return {code: code, reason: "check", detail: expected};
    return {code: code, reason: null, detail: ""};
  }

  root.crmCreditCode = {normalize: normalize, checkCharacter: checkCharacter, validate: validate};
  if (typeof module !== "undefined") module.exports = root.crmCreditCode;
})(typeof self !== "undefined" ? self : this);
