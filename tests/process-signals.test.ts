/**
 * A worker's side of a signal its primary forwards (shutdown.ts `forwarded_signal`), in this
 * process, with the listeners called as Node calls them on a signal and `process.exit` caught:
 * the orders in which a forwarded signal and the terminal's own copy of it can arrive.
 */
import "./support/quiet-logs";

type Shutdown = typeof import("../src/shutdown");

/** A fresh copy of shutdown.ts (its state is per module), a loop that records what it was asked, and process.exit caught. */
function fresh() {
  let shutdown!: Shutdown;
  jest.isolateModules(() => {
    shutdown = jest.requireActual<Shutdown>("../src/shutdown");
  });
  const loop = {
    stop: jest.fn(),
    // The exit timer is one of jest's fake timers (see beforeEach), cleared after each test: a
    // real one would fire in whatever test file this worker runs 600 s later, and end it.
    _shutdown_grace_period: () => 600,
    _stopped: () => Promise.resolve(),
    _close_all_connections: jest.fn(),
  };
  const exit = jest.spyOn(process, "exit").mockImplementation((() => undefined) as never);
  return { shutdown, loop, exit };
}

/** Calls the SIGINT listeners as Node does when the signal arrives. */
function deliver(signal: NodeJS.Signals): void {
  process.emit(signal, signal);
}

let before: { SIGINT: Set<unknown>; SIGTERM: Set<unknown> };
beforeEach(() => {
  jest.useFakeTimers({ doNotFake: ["nextTick", "setImmediate", "queueMicrotask"] });
  before = { SIGINT: new Set(process.listeners("SIGINT")), SIGTERM: new Set(process.listeners("SIGTERM")) };
});
afterEach(() => {
  jest.clearAllTimers();
  jest.useRealTimers();
  jest.restoreAllMocks();
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    for (const listener of process.listeners(signal)) {
      if (!before[signal].has(listener)) process.off(signal, listener as () => void);
    }
  }
});

test("forwarded first, then the terminal's copy: one graceful shutdown; a real second signal then exits at once", () => {
  const { shutdown, loop, exit } = fresh();
  shutdown.install_signal_handlers(loop);
  shutdown.forwarded_signal("SIGINT", false);
  expect(loop.stop).toHaveBeenCalledTimes(1);
  expect(jest.getTimerCount()).toBe(1); // the exit-after-grace timer, on the fake clock
  deliver("SIGINT"); // the same Ctrl-C, reaching the worker itself
  expect(exit).not.toHaveBeenCalled();
  deliver("SIGINT"); // a second Ctrl-C
  expect(loop._close_all_connections).toHaveBeenCalledTimes(1);
  expect(exit).toHaveBeenCalledWith(130);
});

test("the terminal's copy first, then the forwarded one: the forwarded one is the same request, ignored", () => {
  const { shutdown, loop, exit } = fresh();
  shutdown.install_signal_handlers(loop);
  deliver("SIGINT");
  expect(loop.stop).toHaveBeenCalledTimes(1);
  shutdown.forwarded_signal("SIGINT", false);
  expect(exit).not.toHaveBeenCalled();
  shutdown.forwarded_signal("SIGINT", true); // the primary got a second one
  expect(exit).toHaveBeenCalledWith(130);
});

test("a forwarded SIGTERM, then a SIGINT of the worker's own: a second signal, exit at once", () => {
  const { shutdown, loop, exit } = fresh();
  shutdown.install_signal_handlers(loop);
  shutdown.forwarded_signal("SIGTERM", false);
  deliver("SIGINT");
  expect(exit).toHaveBeenCalledWith(130);
});

test("in the primary of fork_processes, IOLoop.start installs no signal listeners", () => {
  const { shutdown, loop } = fresh();
  shutdown.supervise_signals();
  shutdown.install_signal_handlers(loop);
  expect(new Set(process.listeners("SIGINT"))).toEqual(before.SIGINT);
});
