// CRC32C (Castagnoli) of a payload. Secret Manager checks `dataCrc32c` on addVersion, so a value
// damaged on the way is refused, and returns it on access, so we can check what we read. Node has
// no built-in CRC32C (zlib.crc32 is the other polynomial), and it is a few lines.
const TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32c(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of data) crc = TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
