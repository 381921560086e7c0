# workerd config for the mlleaks edge check. Build first (`npm run build:worker`), then serve with
#   node_modules/.bin/workerd serve deploy/workerd/config.capnp
# (listens on 127.0.0.1:8787; `--socket-addr http=HOST:PORT` moves it). The kernels come in as a
# wasm module binding; the limits are text bindings (see README "Edge runtimes").
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [(name = "mlleaks", worker = .leakageWorker)],
  sockets = [(name = "http", address = "127.0.0.1:8787", http = (), service = "mlleaks")],
);

const leakageWorker :Workerd.Worker = (
  modules = [
    (name = "worker.js", esModule = embed "dist/worker.js"),
    (name = "kernels.wasm", wasm = embed "dist/kernels.wasm"),
  ],
  # 1 MiB: about 2,500 rows a side of 10-class posteriors, answered within 50 ms of CPU (README
  # "Edge runtimes"); larger bodies get a 413 that says so. MLLEAKS_MAX_ROWS and MLLEAKS_MAX_CLASSES
  # may be set the same way.
  bindings = [(name = "MLLEAKS_MAX_BODY_BYTES", text = "1048576")],
  compatibilityDate = "2025-09-01",
);
