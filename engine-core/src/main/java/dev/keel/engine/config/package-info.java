/**
 * The pipeline configuration: immutable settings objects, the strict JSON parser
 * ({@link dev.keel.engine.config.PipelineConfigParser}), the Java builder
 * ({@link dev.keel.engine.config.PipelineConfig.Builder}) and {@link dev.keel.engine.config.ConfigObject}, through
 * which connectors validate their own settings with the same error messages.
 * <p>
 * The document, with defaults; names follow Feldera's runtime configuration where one exists:
 * <pre>{@code
 * {
 *   "name": "pipeline",                      // non-empty
 *   "program": "trades-vwap",                // optional: built-in program name or fully qualified class name
 *   "workers": 1,                            // 1..64 circuit workers: each step is evaluated by N threads (the
 *                                            //   circuit thread is worker 0), every stateful operator's state
 *                                            //   sharded by its key across them (an exchange before it);
 *                                            //   views emit the union of the workers' deltas, the same Z-set
 *                                            //   as with one worker; checkpoints are one cut of all workers;
 *                                            //   storage written with another value is refused at $.workers
 *   "storage": false,                        // true | false | null | {"min_storage_bytes": >= 0,
 *                                            //   "backend": {"name": "default"} | {"name": "file",
 *                                            //     "config": {"sync": {...}}}}   (see SyncConfig for sync)
 *                                            // absent: enabled when fault_tolerance needs it, else disabled
 *   "storage_config": {"path": "/var/lib/keel/vwap", "cache": "page_cache"},
 *                                            // alone, it enables storage; an error when storage is false or
 *                                            // null; path defaults to keel-data/<name>
 *   "fault_tolerance": null,                 // absent or null: model none; {}: exactly_once
 *       // {"model": "none" | "at_least_once" | "exactly_once",   (default exactly_once; the last two need storage)
 *       //  "checkpoint_interval_secs": 60,                        (1..3600, or null: no periodic checkpoints)
 *       //  "journal_sync": "data",                                ("none" | "data" | "full")
 *       //  "retained_checkpoints": 2}                             (1..100)
 *   "min_batch_size_records": 0,             // >= 0
 *   "max_buffering_delay_usecs": 0,          // 0..10000000
 *   "pin_cpus": [],                          // distinct CPU numbers >= 0, at least one per worker, or []:
 *                                            //   worker i is pinned to the i-th
 *   "threading_mode": "dedicated",           // "dedicated" | "shared" | "invoker"
 *   "idle_strategy": "backoff",              // "busy_spin" | "yielding" | "backoff" | "sleeping"
 *   "inputs": {                              // endpoint names: [A-Za-z0-9_.-]+, distinct across inputs and outputs
 *     "trades": {
 *       "stream": "trades",                  // required: table name
 *       "transport": {"name": "file_input", "config": {"path": "trades.csv"}},   // required; config default {}
 *       "format": {"name": "csv", "config": {}},                               // optional; null = absent
 *       "max_batch_size": 100000,            // 1..100000000 records per step
 *       "max_queued_records": 1000000,       // >= 1
 *       "on_error": "fail",                  // "fail" | "skip"
 *       "paused": false
 *     }
 *   },
 *   "outputs": {
 *     "vwap_out": {"stream": "vwap", "transport": {...}, "format": {...}, "max_queued_records": 1000000}
 *   }
 * }
 * }</pre>
 * Unknown keys, wrong JSON types (a number in a string, a fraction for an integer), out-of-range numbers, duplicate
 * keys and anything after the document are errors; nothing is clamped, coerced or ignored. Endpoints keep the
 * order of the document.
 */
package dev.keel.engine.config;
