import { Decoder, Encoder, Stream, Profile } from '@garmin/fitsdk';
const e = new Encoder();
const t0 = new Date('2024-03-01T06:00:00Z');
e.onMesg(Profile.MesgNum.FILE_ID, { type: 'activity', manufacturer: 'garmin', product: 4315, serialNumber: 3900000001, timeCreated: t0 });
e.onMesg(Profile.MesgNum.RECORD, { timestamp: t0, heartRate: 140, distance: 12.34, speed: 3.456, enhancedSpeed: 3.456, altitude: 55.2, enhancedAltitude: 55.2, cadence: 85 });
e.onMesg(Profile.MesgNum.RECORD, { timestamp: t0, distance: 12.34, enhancedSpeed: 3.456, enhancedAltitude: 55.2, cadence: 85 });
e.onMesg(Profile.MesgNum.SET, { timestamp: t0, duration: 30.5, repetitions: 10, weight: 22.53, setType: 'active', startTime: t0, category: ['squat'], messageIndex: 0 });
e.onMesg(Profile.MesgNum.SET, { timestamp: t0, duration: 30.5, repetitions: 10, weight: 22.53, setType: 'active', startTime: t0, category: ['squat','unknown'], messageIndex: 1 });
e.onMesg(Profile.MesgNum.SET, { timestamp: t0, duration: 30.5, repetitions: 10, weight: 22.53, setType: 'active', startTime: t0, category: 'benchPress', messageIndex: 2 });
e.onMesg(Profile.MesgNum.SESSION, { sport: 'training', subSport: 'strengthTraining', startTime: t0, totalElapsedTime: 100.0015 , avgSpeed: 3.2, enhancedAvgSpeed: 3.2});
e.onMesg(Profile.MesgNum.ACTIVITY, { timestamp: t0, localTimestamp: 1000000000, numSessions: 1, type: 'manual' });
// key order quirk test
e.onMesg(Profile.MesgNum.LAP, { messageIndex: 0, totalDistance: 100, totalElapsedTime: 50 });
e.onMesg(Profile.MesgNum.LAP, { totalElapsedTime: 60, totalDistance: 200, messageIndex: 1 });
let bad;
try { e.onMesg(Profile.MesgNum.SESSION, { sport: 'strength_training' }); } catch (err) { bad = err.message + ' ' + JSON.stringify(err.cause); }
console.log('bad enum:', bad);
const bytes = e.close();
console.log(bytes.constructor.name, bytes.length);
const d = new Decoder(Stream.fromByteArray(bytes));
console.log('integrity', d.checkIntegrity());
const { messages, errors } = d.read();
console.log(errors);
console.log(JSON.stringify(messages, null, 0));
