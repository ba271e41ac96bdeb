// Runs once, when the MongoDB data volume is first initialised (the image's
// /docker-entrypoint-initdb.d convention). Gives the application a user that
// can only read and write its own database instead of the root account.
// Changing MONGO_APP_PASSWORD later needs db.changeUserPassword() by hand.
const dbName = process.env.MONGO_APP_DB;
const user = process.env.MONGO_APP_USERNAME;
const pwd = process.env.MONGO_APP_PASSWORD;
if (!dbName || !user || !pwd) {
  throw new Error('MONGO_APP_DB, MONGO_APP_USERNAME and MONGO_APP_PASSWORD must be set');
}
db.getSiblingDB(dbName).createUser({
  user,
  pwd,
  roles: [{ role: 'readWrite', db: dbName }],
});
