// The part of sql.js (https://sql.js.org) the blog uses; the package ships no types of its own.
declare module "sql.js" {
  /** A value a column holds or a parameter binds. */
  export type SqlValue = number | string | Uint8Array | null;

  /** A prepared statement. */
  export interface Statement {
    bind(values: SqlValue[]): boolean;
    step(): boolean;
    getAsObject(): Record<string, SqlValue>;
    free(): boolean;
  }

  /** An SQLite database, held in memory. */
  export interface Database {
    run(sql: string, params?: SqlValue[]): Database;
    exec(sql: string): unknown;
    prepare(sql: string): Statement;
    export(): Uint8Array;
    close(): void;
  }

  /** What `initSqlJs()` resolves to. */
  export interface SqlJsStatic {
    Database: new (data?: Uint8Array | null) => Database;
  }

  export default function initSqlJs(config?: Record<string, unknown>): Promise<SqlJsStatic>;
}
