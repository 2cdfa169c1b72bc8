// One-shot init (docker compose service `mongo-init`), run by mongosh as the root user
// once the replica set has a PRIMARY. Idempotent: creates or updates the application
// role and user.
//
// The role grants only `find` and `insert` on `events` and `merkle_nodes` (plus creating
// them and their indexes, and watching `events`): a collection validator cannot stop updates or deletes,
// so the application simply has no right to make them. Read models, counters,
// projection generations and snapshots get what the projections need.
const dbName = process.env.CHRONICLE_DB || "chronicle";
const user = process.env.CHRONICLE_DB_USER || "chronicle";
const password = process.env.CHRONICLE_DB_PASSWORD;
if (!password) {
  throw new Error("CHRONICLE_DB_PASSWORD is not set");
}

const app = db.getSiblingDB(dbName);
const readModels = ["accounts", "transactions", "transaction_balances", "daily_totals", "checkpoints"];
// A rebuild fills the second slot `<name>__b` and switches to it (store/mongo/views.py).
const slots = readModels.flatMap((name) => [name, `${name}__b`]);
const bookkeeping = ["counters", "projection_generations", "snapshots"];
// Like events, the Merkle tree is append-only: nodes are inserted, never changed (store/mongo/merkle.py).
const appendOnly = ["merkle_nodes"];
const ddl = ["createCollection", "createIndex"];

const privileges = [
  { resource: { db: dbName, collection: "events" }, actions: ["find", "insert", "changeStream", ...ddl] },
  ...appendOnly.map((name) => ({
    resource: { db: dbName, collection: name },
    actions: ["find", "insert", ...ddl],
  })),
  ...bookkeeping.map((name) => ({
    resource: { db: dbName, collection: name },
    actions: ["find", "insert", "update", "remove", ...ddl],
  })),
  ...slots.map((name) => ({
    resource: { db: dbName, collection: name },
    actions: ["find", "insert", "update", "remove", "dropCollection", ...ddl],
  })),
  { resource: { db: dbName, collection: "" }, actions: ["listCollections"] },
];

const roleName = "chronicleApp";
if (app.getRole(roleName)) {
  app.updateRole(roleName, { privileges, roles: [] });
} else {
  app.createRole({ role: roleName, privileges, roles: [] });
}
if (app.getUser(user)) {
  app.updateUser(user, { pwd: password, roles: [{ role: roleName, db: dbName }] });
} else {
  app.createUser({ user, pwd: password, roles: [{ role: roleName, db: dbName }] });
}
print(`chronicle-init: user ${user} has role ${roleName} on ${dbName}`);
