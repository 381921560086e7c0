// Browser (and any fetch-capable runtime) data source: files served under a base URL, e.g. the
// page's own server publishing the package's datasets/ folder.
import type { DataSource } from "../../datasets/types.js";

export function fetchDataSource(baseUrl: string | URL, fetchImpl: typeof fetch = globalThis.fetch): DataSource {
  const base = new URL(String(baseUrl).endsWith("/") ? String(baseUrl) : `${String(baseUrl)}/`, globalThis.location?.href);
  const url = (path: string): string => new URL(path.split("/").map(encodeURIComponent).join("/"), base).href;
  return {
    async read(path) {
      let response: Response;
      try {
        response = await fetchImpl(url(path));
      } catch (error) {
        throw new Error(`${url(path)}: cannot fetch (${error instanceof Error ? error.message : String(error)})`);
      }
      if (!response.ok) throw new Error(`${url(path)}: HTTP ${response.status} ${response.statusText}`.trim());
      return new Uint8Array(await response.arrayBuffer());
    },
    async exists(path) {
      try {
        const head = await fetchImpl(url(path), { method: "HEAD" });
        if (head.status !== 405 && head.status !== 501) return head.ok;
        // A server without HEAD: ask for the first byte instead.
        const probe = await fetchImpl(url(path), { headers: { Range: "bytes=0-0" } });
        await probe.body?.cancel();
        return probe.ok;
      } catch {
        return false;
      }
    },
    describe: url,
  };
}
