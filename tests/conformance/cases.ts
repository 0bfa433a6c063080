/** One jest test per compared request, so that the summary line counts each case. */
import { expectConformance, responseFields } from "./compare";
import { sendToBoth, type ConformanceRequest, type ServerPair } from "./runner";

/** A request sent to both sides, named by what it checks (`area/behaviour`). */
export interface ConformanceCase {
  id: string;
  request: ConformanceRequest;
}

/** Defines a test for each case: the request goes to both sides and their answers must agree. */
export function compareCases(pair: () => ServerPair, cases: readonly ConformanceCase[]): void {
  for (const { id, request } of cases) {
    test(`${id} (${request.method ?? "GET"} ${request.path})`, async () => {
      const { python, ts } = await sendToBoth(pair(), request);
      expectConformance(id, responseFields(python), responseFields(ts));
    });
  }
}
