// Lossless JSON for wire values (temporary home until the seam branch lands its shared encoding): base64, dates,
// big integers, non-finite doubles and structs using the tag key become {"$wire": kind, "v": ...}.
export { wireToJson, wireFromJson } from '../minion/wire-json.js';
