/**
 * The blog's data, kept in memory: Tornado's demo keeps the same two tables (`authors` and
 * `entries`) in PostgreSQL. Everything is lost when the process exits, and the store starts
 * empty, so the first visitor creates the one author account.
 *
 * The methods are synchronous because a Map answers at once; with a real database they would
 * return promises and the handlers would `await` them, as the demo's do.
 */

/** A person who may write entries (the demo's `authors` table). */
export interface Author {
  id: number;
  /** Unique: authors log in with it. */
  email: string;
  name: string;
  /** `scrypt$N$r$p$salt$key`, see `blog.ts`; never the password itself. */
  hashed_password: string;
}

/** A blog post (the demo's `entries` table). */
export interface Entry {
  id: number;
  author_id: number;
  /** Unique; the entry's URL is `/entry/<slug>`. It never changes once chosen. */
  slug: string;
  title: string;
  /** The text as the author typed it, shown again in the edit form. */
  text: string;
  /** `text` as HTML, made when the entry is saved. */
  html: string;
  published: Date;
  updated: Date;
}

/** Newest first; entries published in the same millisecond by creation order, newest first. */
function newestFirst(a: Entry, b: Entry): number {
  return b.published.getTime() - a.published.getTime() || b.id - a.id;
}

/** Authors and entries in Maps, with the few queries the blog needs. */
export class BlogStore {
  readonly #authors = new Map<number, Author>();
  readonly #entries = new Map<number, Entry>();
  #lastAuthorId = 0;
  #lastEntryId = 0;

  any_author_exists(): boolean {
    return this.#authors.size > 0;
  }

  author_by_id(id: number): Author | null {
    return this.#authors.get(id) ?? null;
  }

  author_by_email(email: string): Author | null {
    for (const author of this.#authors.values()) if (author.email === email) return author;
    return null;
  }

  /** @throws Error when an author already has this email (the demo's UNIQUE constraint). */
  create_author(fields: Omit<Author, "id">): Author {
    if (this.author_by_email(fields.email) !== null) throw new Error(`an author with email ${fields.email} exists`);
    const author = { ...fields, id: ++this.#lastAuthorId };
    this.#authors.set(author.id, author);
    return author;
  }

  entry_by_id(id: number): Entry | null {
    return this.#entries.get(id) ?? null;
  }

  entry_by_slug(slug: string): Entry | null {
    for (const entry of this.#entries.values()) if (entry.slug === slug) return entry;
    return null;
  }

  /** Entries newest first; at most `limit` of them when given. */
  latest_entries(limit?: number): Entry[] {
    const entries = [...this.#entries.values()].sort(newestFirst);
    return limit === undefined ? entries : entries.slice(0, limit);
  }

  /**
   * Adds an entry published now.
   * @throws Error when the slug is taken (the demo's UNIQUE constraint).
   */
  create_entry(fields: Pick<Entry, "author_id" | "slug" | "title" | "text" | "html">): Entry {
    if (this.entry_by_slug(fields.slug) !== null) throw new Error(`an entry with slug ${fields.slug} exists`);
    const now = new Date();
    const entry: Entry = { ...fields, id: ++this.#lastEntryId, published: now, updated: now };
    this.#entries.set(entry.id, entry);
    return entry;
  }

  /** Changes an entry's title and text (its slug stays), and marks it updated now. */
  update_entry(id: number, fields: Pick<Entry, "title" | "text" | "html">): Entry | null {
    const entry = this.#entries.get(id);
    if (entry === undefined) return null;
    Object.assign(entry, fields, { updated: new Date() });
    return entry;
  }
}
