// Chapter 07's test file, run as the reader runs it: its tests are registered here, unchanged.
import "../../docs/code/07-testing/app.test";
