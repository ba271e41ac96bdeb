// Runs once, when the MongoDB data volume is first initialised (the image's
// /docker-entrypoint-initdb.d convention). Gives the application a user that
// can only read and write its own database instead of the root account.
// The password comes from the secret file MONGO_APP_PASSWORD_FILE names (the
// application reads the same password inside its connection URL, the secret
// mongo_url). Changing it later needs db.changeUserPassword() by hand.
const dbName = process.env.MONGO_APP_DB;
const user = process.env.MONGO_APP_USERNAME;
const pwdFile = process.env.MONGO_APP_PASSWORD_FILE;
if (!dbName || !user || !pwdFile) {
  throw new Error('MONGO_APP_DB, MONGO_APP_USERNAME and MONGO_APP_PASSWORD_FILE must be set');
}
// mongosh runs this file as a script, where require() is how Node's own modules are reached.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const pwd = require('fs').readFileSync(pwdFile, 'utf8').trim();
if (!pwd) throw new Error(`${pwdFile} is empty`);
db.getSiblingDB(dbName).createUser({
  user,
  pwd,
  roles: [{ role: 'readWrite', db: dbName }],
});
