/** The tornado-ts version, as a string (Tornado's `tornado.version`). */
export const version = "0.1.0";

/** The version as a comparable tuple (Tornado's `tornado.version_info`). */
export const version_info: readonly [number, number, number, number] = [0, 1, 0, 0];
