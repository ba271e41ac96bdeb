import type { Collection, Db } from 'mongodb';
import type { PublicKeySet, PublishedKeysSource } from '../signing/published-keys';

/** The stored key set. One document per purpose, by `_id`; today only the artifact-signing set exists. */
interface PublishedKeysDoc {
  _id: string;
  keys: object[];
  published_at: Date;
}

const ARTIFACT_SIGNING = 'artifact-signing';

/** The public keys the signing worker publishes and the API serves, kept in `published_keys`. Only public JWKs
 * are ever written here: the API reads this collection precisely so that it never needs a private key. */
export class MongoPublishedKeys implements PublishedKeysSource {
  private readonly col: Collection<PublishedKeysDoc>;

  constructor(db: Db) {
    this.col = db.collection<PublishedKeysDoc>('published_keys');
  }

  /** Replaces the published set with `jwks`. Written whole every time, so the document is always what one
   * worker read from its key folder, never a mix. */
  async publish(jwks: PublicKeySet, at: Date): Promise<void> {
    await this.col.updateOne(
      { _id: ARTIFACT_SIGNING },
      { $set: { keys: jwks.keys, published_at: at } },
      { upsert: true },
    );
  }

  async read(): Promise<PublicKeySet | null> {
    const doc = await this.col.findOne({ _id: ARTIFACT_SIGNING });
    return doc ? { keys: doc.keys } : null;
  }
}
