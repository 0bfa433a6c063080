/**
 * The blog's data in an SQLite database, as Tornado's demo keeps it in PostgreSQL: the same two
 * tables (`authors` and `entries`, schema below, adapted from the demo's schema.sql). SQLite
 * runs in the process through sql.js (SQLite compiled to WebAssembly), which holds the database
 * in memory: the store reads the file at start, creating it when there is none, and writes the
 * whole database back after each change, to a temporary file renamed over the old one, so a
 * crash mid-write never leaves half a database.
 *
 * The queries are synchronous (sql.js answers at once); only opening the store is async.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import initSqlJs, { type Database, type SqlValue } from "sql.js";

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
  /** The text as the author typed it, shown again in the edit form (the demo's `markdown`). */
  text: string;
  /** `text` as HTML, made when the entry is saved. */
  html: string;
  published: Date;
  updated: Date;
}

/** The demo's schema.sql for SQLite: ids are INTEGER PRIMARY KEY, times milliseconds since 1970 (UTC). */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS authors (
  id INTEGER PRIMARY KEY,
  email VARCHAR(100) NOT NULL UNIQUE,
  name VARCHAR(100) NOT NULL,
  hashed_password VARCHAR(100) NOT NULL
);
CREATE TABLE IF NOT EXISTS entries (
  id INTEGER PRIMARY KEY,
  author_id INT NOT NULL REFERENCES authors(id),
  slug VARCHAR(100) NOT NULL UNIQUE,
  title VARCHAR(512) NOT NULL,
  text TEXT NOT NULL,
  html TEXT NOT NULL,
  published INTEGER NOT NULL,
  updated INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS entries_published ON entries (published);
`;

function toAuthor(row: Record<string, SqlValue>): Author {
  return {
    id: Number(row.id),
    email: String(row.email),
    name: String(row.name),
    hashed_password: String(row.hashed_password),
  };
}

function toEntry(row: Record<string, SqlValue>): Entry {
  return {
    id: Number(row.id),
    author_id: Number(row.author_id),
    slug: String(row.slug),
    title: String(row.title),
    text: String(row.text),
    html: String(row.html),
    published: new Date(Number(row.published)),
    updated: new Date(Number(row.updated)),
  };
}

/** Authors and entries in SQLite, with the few queries the blog needs. */
export class BlogStore {
  readonly #db: Database;
  readonly #path: string;

  private constructor(db: Database, path: string) {
    this.#db = db;
    this.#path = path;
  }

  /**
   * Opens the database at file `path`, creating it (with the schema) when it does not exist.
   * @throws Error when the file exists but is not an SQLite database.
   */
  static async open(path: string): Promise<BlogStore> {
    const SQL = await initSqlJs();
    const existed = existsSync(path);
    const db = new SQL.Database(existed ? readFileSync(path) : null);
    db.exec(SCHEMA);
    const store = new BlogStore(db, path);
    if (!existed) store.#save();
    return store;
  }

  /** Closes the database (it was written after each change already). */
  close(): void {
    this.#db.close();
  }

  /** Writes the whole database to a temporary file beside it, then renames that over the file. */
  #save(): void {
    const temporary = `${this.#path}.${process.pid}.tmp`;
    writeFileSync(temporary, this.#db.export());
    renameSync(temporary, this.#path);
  }

  #rows(sql: string, params: SqlValue[] = []): Array<Record<string, SqlValue>> {
    const statement = this.#db.prepare(sql);
    try {
      statement.bind(params);
      const rows: Array<Record<string, SqlValue>> = [];
      while (statement.step()) rows.push(statement.getAsObject());
      return rows;
    } finally {
      statement.free();
    }
  }

  /** Runs a change and writes the database; returns the new row's id. */
  #change(sql: string, params: SqlValue[]): number {
    this.#db.run(sql, params);
    const id = Number(this.#rows("SELECT last_insert_rowid() AS id")[0].id);
    this.#save();
    return id;
  }

  any_author_exists(): boolean {
    return this.#rows("SELECT 1 FROM authors LIMIT 1").length > 0;
  }

  author_by_id(id: number): Author | null {
    const [row] = this.#rows("SELECT * FROM authors WHERE id = ?", [id]);
    return row === undefined ? null : toAuthor(row);
  }

  author_by_email(email: string): Author | null {
    const [row] = this.#rows("SELECT * FROM authors WHERE email = ?", [email]);
    return row === undefined ? null : toAuthor(row);
  }

  /** @throws Error when an author already has this email (the UNIQUE constraint). */
  create_author(fields: Omit<Author, "id">): Author {
    const id = this.#change("INSERT INTO authors (email, name, hashed_password) VALUES (?, ?, ?)", [
      fields.email,
      fields.name,
      fields.hashed_password,
    ]);
    return { ...fields, id };
  }

  entry_by_id(id: number): Entry | null {
    const [row] = this.#rows("SELECT * FROM entries WHERE id = ?", [id]);
    return row === undefined ? null : toEntry(row);
  }

  entry_by_slug(slug: string): Entry | null {
    const [row] = this.#rows("SELECT * FROM entries WHERE slug = ?", [slug]);
    return row === undefined ? null : toEntry(row);
  }

  /** Entries newest first (by creation order within one millisecond); at most `limit` of them when given. */
  latest_entries(limit?: number): Entry[] {
    const sql = "SELECT * FROM entries ORDER BY published DESC, id DESC";
    const rows = limit === undefined ? this.#rows(sql) : this.#rows(`${sql} LIMIT ?`, [limit]);
    return rows.map(toEntry);
  }

  /**
   * Adds an entry published now.
   * @throws Error when the slug is taken (the UNIQUE constraint).
   */
  create_entry(fields: Pick<Entry, "author_id" | "slug" | "title" | "text" | "html">): Entry {
    const now = Date.now();
    const id = this.#change(
      "INSERT INTO entries (author_id, slug, title, text, html, published, updated) VALUES (?, ?, ?, ?, ?, ?, ?)",
      [fields.author_id, fields.slug, fields.title, fields.text, fields.html, now, now],
    );
    return this.entry_by_id(id)!;
  }

  /** Changes an entry's title and text (its slug stays), and marks it updated now. */
  update_entry(id: number, fields: Pick<Entry, "title" | "text" | "html">): Entry | null {
    if (this.entry_by_id(id) === null) return null;
    this.#change("UPDATE entries SET title = ?, text = ?, html = ?, updated = ? WHERE id = ?", [
      fields.title,
      fields.text,
      fields.html,
      Date.now(),
      id,
    ]);
    return this.entry_by_id(id);
  }
}
