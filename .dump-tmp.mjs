import { Decoder, Stream, Profile } from '@garmin/fitsdk';
import { readFileSync } from 'node:fs';
const f = process.argv[2];
const names = Object.fromEntries(Object.entries(Profile.MesgNum).map(([k,v])=>[v,k]));
const d = new Decoder(Stream.fromBuffer(readFileSync(f)));
const seq = [];
const {messages, errors} = d.read({ mesgListener: (n, m) => { seq.push([names[n] ?? n, m]); } });
console.log('errors', errors.map(e=>e.message));
let last = null, cnt = 0;
const full = new Set((process.argv[3]??'').split(','));
for (const [n, m] of seq) {
  if (n !== last) { if (last) console.log(`${last} x${cnt}`); last = n; cnt = 0; }
  if (cnt < 2 || full.has(n)) console.log('   ', n, JSON.stringify(m, (k,v)=>typeof v==='bigint'?String(v):v));
  cnt++;
}
console.log(`${last} x${cnt}`);
