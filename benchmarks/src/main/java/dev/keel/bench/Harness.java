package dev.keel.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keel.checkpoint.FileCheckpointStore;
import dev.keel.engine.api.EngineContext;
import dev.keel.engine.api.KeelPipeline;
import dev.keel.engine.status.KeelCounters;
import dev.keel.engine.circuit.StepBoundary;
import dev.keel.engine.circuit.StepListener;
import dev.keel.engine.config.FaultToleranceModel;
import dev.keel.engine.config.PipelineConfig;
import dev.keel.engine.ft.CheckpointCoordinator;
import dev.keel.engine.spi.CheckpointStatus;
import dev.keel.engine.ft.CheckpointTimings;
import dev.keel.engine.connector.InputEndpoint;
import dev.keel.engine.program.Program;
import dev.keel.engine.spi.LoadedCheckpoint;
import dev.keel.engine.state.MetaBuffer;
import dev.keel.engine.state.PagedArena;
import dev.keel.tools.KeelNode;
import org.agrona.concurrent.status.CountersReader;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.RuntimeMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The side-by-side benchmark harness: runs one workload ({@code keyed-aggregate} or {@code nexmark-qN}) for N
 * events through a {@link KeelNode} with a chosen fault-tolerance model and checkpoint interval, into a
 * {@link CountingOutputEndpoint}, in a fresh storage directory, and prints one JSON line of results.
 * <p>
 * Throughput is events / (last output offered − first record polled): the run ends once the input is
 * exhausted and every step's output was delivered (for {@code exactly_once}, after its journal sync).
 * Checkpoints are the node's own ({@link CheckpointCoordinator}, periodic at the configured interval; no
 * checkpoint on close, so that a restart replays what the run left in the journal); their costs come from
 * {@link CheckpointTimings}. {@code none} runs without storage; {@code at_least_once} = checkpoints without
 * journal; {@code exactly_once} = journal and checkpoints. {@code --then restore} afterwards loads the newest
 * checkpoint into a fresh program (store only) and relaunches the node on it (bootstrap); {@code --then
 * replay} restarts the node on the same storage and times the journal replay. Run it with the JVM flags of {@code run-harness.sh} so that every run has the same settings.
 */
public final class Harness
{
    static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String OUTPUT = "count";
    private static final int PAGES_PER_MIB = (1 << 20) / PagedArena.PAGE_SIZE;

    private Harness()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final HarnessOptions options;
        try
        {
            options = HarnessOptions.parse(args);
        }
        catch (final IllegalArgumentException ex)
        {
            System.err.println(ex.getMessage());
            System.exit(2);
            return;
        }
        final ObjectNode result = run(options);
        System.out.println(MAPPER.writeValueAsString(result));
        System.out.flush();
        // Aeron and affinity may leave non-daemon threads behind a closed node; the result is printed
        System.exit(result.path("ok").asBoolean() ? 0 : 1);
    }

    /** Runs the options' workload and returns the result line. */
    static ObjectNode run(final HarnessOptions o) throws Exception
    {
        final Workload workload = Workload.of(o);
        final boolean tempStorage = null == o.storage;
        final Path storage = tempStorage ? Files.createTempDirectory("keel-harness-") : Path.of(o.storage);
        final ObjectNode out = MAPPER.createObjectNode();
        out.put("query", workload.name());
        out.put("events", o.events);
        if (workload instanceof Workload.KeyedAggregate)
        {
            out.put("keys", o.keys);
        }
        out.put("model", o.model.jsonName());
        out.put("workers", o.workers);
        out.put("sink", o.sinkHolds ? "holding" : "waiting");
        out.put("interval_secs", o.intervalSecs);
        out.put("checkpointer", o.model == FaultToleranceModel.NONE ? "none" : "node");
        out.put("storage", storage.toString());
        out.put("load_avg_start", loadAverage());
        try
        {
            if (o.warmupEvents > 0)
            {
                // JIT warm-up on the same code paths; its storage and results are discarded
                final Path warmupStorage = Files.createTempDirectory("keel-harness-warmup-");
                try
                {
                    final HarnessOptions w = HarnessOptions.parse();
                    w.query = o.query;
                    w.keys = o.keys;
                    w.model = o.model;
                    w.intervalSecs = o.intervalSecs;
                    w.arenaMib = o.arenaMib;
                    w.maxBatch = o.maxBatch;
                    w.timeoutSecs = o.timeoutSecs;
                    w.sinkHolds = o.sinkHolds;
                    w.events = o.warmupEvents;
                    runOnce(w, workload, warmupStorage, true);
                }
                finally
                {
                    deleteTree(warmupStorage);
                }
                out.put("warmup_events", o.warmupEvents);
            }
            final Run live = runOnce(o, workload, storage, true);
            live.report(out, o);
            if ("restore".equals(o.then))
            {
                final ObjectNode r = restore(o, workload, storage);
                final Run relaunch = runOnce(o, workload, storage, false);
                r.put("relaunch_ms", (relaunch.launchedNanos - relaunch.launchNanos) / 1e6);
                r.put("relaunch_replayed_events", relaunch.replayedRecords);
                out.set("restore", r);
            }
            else if ("replay".equals(o.then))
            {
                final Run replay = runOnce(o, workload, storage, false);
                final ObjectNode r = out.putObject("replay");
                final double secs = (replay.lastReplayNanos - replay.launchNanos) / 1e9;
                r.put("replayed_events", replay.replayedRecords);
                r.put("replayed_steps", replay.replayedSteps);
                r.put("secs_from_launch", secs);
                r.put("secs_steps_only", (replay.lastReplayNanos - replay.firstReplayNanos) / 1e9);
                final double rate = secs > 0 ? replay.replayedRecords / secs : 0;
                r.put("events_per_sec", rate);
                r.put("ratio_to_live", live.eventsPerSec > 0 ? rate / live.eventsPerSec : 0);
                r.put("output_rows", replay.sink.rows());
            }
            out.put("ok", true);
        }
        finally
        {
            out.put("load_avg_end", loadAverage());
            out.put("peak_rss_bytes", peakRssBytes());
            out.set("jvm", jvm());
            out.set("machine", machine());
            if (tempStorage)
            {
                deleteTree(storage);
            }
        }
        return out;
    }

    /** One launch of the node: the live run (with checkpoints) or a restart that replays the journal. */
    private static final class Run implements StepListener
    {
        final CountingOutputEndpoint sink;
        final List<TimedInputEndpoint> inputs = new ArrayList<>();
        CheckpointCoordinator coordinator;
        Object store;
        CheckpointTimings timings;
        long checkpointFailures;
        String lastCheckpointFailure;
        boolean directIo;
        long launchNanos;
        long launchedNanos;
        long startNanos;
        long endNanos;
        long cpuStartNs;
        long cpuEndNs;
        long circuitCpuStartNs = -1;
        long circuitCpuEndNs = -1;
        long workerCpuStartNs;
        long workerCpuEndNs;
        double eventsPerSec;
        long steps;
        long recordsIn;
        long stepNanosMax;
        long errors;
        long arenaAllocatedBytes;
        long arenaPagesBytes;
        long copyOnWrite;
        boolean pinned;
        volatile long firstReplayNanos;
        volatile long lastReplayNanos;
        volatile long replayedRecords;
        volatile long replayedSteps;

        Run(final boolean sinkHolds)
        {
            sink = new CountingOutputEndpoint(OUTPUT, sinkHolds);
        }

        public void onStepEnd(final StepBoundary boundary)
        {
            if (boundary.replaying())
            {
                final long now = System.nanoTime();
                if (0 == firstReplayNanos)
                {
                    firstReplayNanos = now;
                }
                lastReplayNanos = now;
                replayedRecords += boundary.inputCount();
                replayedSteps++;
            }
        }

        void report(final ObjectNode out, final HarnessOptions o)
        {
            final double secs = (endNanos - startNanos) / 1e9;
            out.put("elapsed_secs", secs);
            out.put("events_per_sec", eventsPerSec);
            final double cpuSecs = (cpuEndNs - cpuStartNs) / 1e9;
            out.put("process_cpu_secs", cpuSecs);
            out.put("events_per_cpu_sec", cpuSecs > 0 ? o.events / cpuSecs : 0);
            // the circuit thread's own CPU: what bounds throughput when it has a core, less sensitive to load
            final double circuitSecs = circuitCpuStartNs < 0 || circuitCpuEndNs < 0 ? -1 :
                (circuitCpuEndNs - circuitCpuStartNs) / 1e9;
            out.put("circuit_cpu_secs", circuitSecs);
            out.put("events_per_circuit_cpu_sec", circuitSecs > 0 ? o.events / circuitSecs : 0);
            // workers 1..N-1 (worker 0 is the circuit thread): all workers together spend circuit + these
            final double workerSecs = (workerCpuEndNs - workerCpuStartNs) / 1e9;
            out.put("other_workers_cpu_secs", workerSecs);
            out.put("events_per_worker_cpu_sec", circuitSecs > 0 ? o.events / (circuitSecs + workerSecs) : 0);
            out.put("output_rows", sink.rows());
            out.put("steps", steps);
            out.put("records_in", recordsIn);
            out.put("step_nanos_max", stepNanosMax);
            out.put("errors", errors);
            out.put("circuit_thread_pinned", pinned);
            final ObjectNode arena = out.putObject("arena");
            arena.put("allocated_bytes", arenaAllocatedBytes);
            arena.put("pages_bytes", arenaPagesBytes);
            arena.put("copy_on_write_pages", copyOnWrite);
            arena.put("chunk_mib", o.arenaMib);
            arena.put("pre_touch", true);
            final ObjectNode cp = out.putObject("checkpoints");
            if (null == timings)
            {
                cp.put("taken", 0);
                return;
            }
            final long[] bytes = timings.bytes();
            final long[] writeNs = timings.writeNs();
            cp.put("taken", timings.count());
            cp.put("failures", checkpointFailures);
            if (null != lastCheckpointFailure)
            {
                cp.put("last_failure", lastCheckpointFailure);
            }
            cp.put("direct_io", directIo);
            putPercentiles(cp, "duration_ms", timings.durationNs(), 1e6, false);
            putPercentiles(cp, "stall_us", timings.stallNs(), 1e3, true);
            putPercentiles(cp, "freeze_stall_us", timings.freezeNs(), 1e3, true);
            putPercentiles(cp, "begin_stall_us", timings.beginNs(), 1e3, true);
            putPercentiles(cp, "commit_stall_us", timings.commitNs(), 1e3, true);
            putPercentiles(cp, "write_ms", writeNs, 1e6, false);
            putPercentiles(cp, "bytes", bytes, 1, false);
            final long totalBytes = Arrays.stream(bytes).sum();
            final long totalWriteNs = Arrays.stream(writeNs).sum();
            cp.put("bytes_total", totalBytes);
            cp.put("write_mb_per_sec", totalWriteNs > 0 ? totalBytes / 1e6 / (totalWriteNs / 1e9) : 0);
            int largest = -1;
            for (int i = 0; i < bytes.length; i++)
            {
                if (largest < 0 || bytes[i] > bytes[largest])
                {
                    largest = i;
                }
            }
            if (largest >= 0 && writeNs[largest] > 0)
            {
                cp.put("largest_bytes", bytes[largest]);
                cp.put("largest_write_ms", writeNs[largest] / 1e6);
                cp.put("largest_write_mb_per_sec", bytes[largest] / 1e6 / (writeNs[largest] / 1e9));
            }
        }
    }

    private static Run runOnce(final HarnessOptions o, final Workload workload, final Path storage, final boolean live)
        throws Exception
    {
        final PipelineConfig.Builder builder = PipelineConfig.builder()
            .name("harness")
            .workers(o.workers)
            .faultTolerance(o.model);
        if (o.model == FaultToleranceModel.NONE)
        {
            // no storage: no lock, no checkpoint store, nothing but the circuit
            builder.storage(false);
        }
        else
        {
            builder.storagePath(storage.toString());
            if (o.intervalSecs > 0)
            {
                builder.checkpointIntervalSecs(o.intervalSecs);
            }
            else
            {
                builder.noPeriodicCheckpoints();
            }
        }
        final PipelineConfig config = builder.build();
        final Run run = new Run(o.sinkHolds);
        final com.sun.management.OperatingSystemMXBean os =
            (com.sun.management.OperatingSystemMXBean)ManagementFactory.getOperatingSystemMXBean();
        run.launchNanos = System.nanoTime();
        try (KeelNode node = KeelNode.launch(config, workload.program(), ctx -> attach(ctx, o, workload, run, live)))
        {
            run.launchedNanos = System.nanoTime();
            final KeelPipeline pipeline = node.pipeline();
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(o.timeoutSecs);
            // sample process CPU at (within 1 ms of) the first record, not at launch
            while (firstRecordNanos(run) == 0 && !pipeline.state().isTerminal() &&
                !pipeline.state().name().equals("COMPLETED") && System.nanoTime() < deadline)
            {
                Thread.sleep(1);
            }
            run.cpuStartNs = os.getProcessCpuTime();
            final long circuitThreadId = circuitThreadId();
            final java.lang.management.ThreadMXBean threads = ManagementFactory.getThreadMXBean();
            run.circuitCpuStartNs = circuitThreadId < 0 ? -1 : threads.getThreadCpuTime(circuitThreadId);
            final long[] workerThreadIds = workerThreadIds();
            run.workerCpuStartNs = threadsCpuNs(threads, workerThreadIds);
            if (!pipeline.awaitCompletion(Duration.ofNanos(Math.max(1, deadline - System.nanoTime()))))
            {
                final StringBuilder counterValues = new StringBuilder();
                pipeline.counters().forEach((value, id, label) ->
                    counterValues.append("\n  ").append(label).append(" = ").append(value));
                throw new IllegalStateException("run did not complete within " + o.timeoutSecs + " s, state " +
                    pipeline.state() + "; sink delivered " + run.sink.deliveredTransactionId() + "; counters:" +
                    counterValues);
            }
            run.cpuEndNs = os.getProcessCpuTime();
            run.circuitCpuEndNs = circuitThreadId < 0 ? -1 : threads.getThreadCpuTime(circuitThreadId);
            run.workerCpuEndNs = threadsCpuNs(threads, workerThreadIds);
            run.startNanos = firstRecordNanos(run);
            run.endNanos = run.sink.lastOfferNanos();
            final double secs = (run.endNanos - run.startNanos) / 1e9;
            run.eventsPerSec = secs > 0 ? o.events / secs : 0;
            run.coordinator = pipeline.checkpointCoordinator();
            if (null != run.coordinator && live)
            {
                if (o.finalCheckpoint)
                {
                    final CheckpointStatus status = pipeline.checkpoint(
                        Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
                    if (!(status instanceof CheckpointStatus.Success))
                    {
                        throw new IllegalStateException("final checkpoint: " + status);
                    }
                }
                run.timings = run.coordinator.timings();
                run.checkpointFailures = run.coordinator.failedCount();
                run.lastCheckpointFailure = null == run.coordinator.lastFailure() ? null :
                    run.coordinator.lastFailure().toString();
                run.directIo = run.store instanceof FileCheckpointStore && ((FileCheckpointStore)run.store).directIoEnabled();
            }
            readCounters(pipeline.counters(), run);
            final PagedArena arena = pipeline.circuit().program().arena();
            run.arenaAllocatedBytes = arena.allocatedBytes();
            run.arenaPagesBytes = (long)(arena.pageCount() - 1) * PagedArena.PAGE_SIZE;
            run.copyOnWrite = arena.copyOnWriteCount();
            run.pinned = pipeline.circuit().isPinned();
        }
        return run;
    }

    private static void attach(
        final EngineContext ctx, final HarnessOptions o, final Workload workload, final Run run, final boolean live)
    {
        // a restart bootstraps into a plain arena, as recovery would: no pre-touch (restored pages fault in)
        ctx.arenaPagesPerChunk(o.arenaMib * PAGES_PER_MIB).arenaPreTouch(live);
        // measured runs end at end of input; a restart must find only what the run's checkpoints left
        ctx.faultTolerance().checkpointOnClose(false);
        run.store = ctx.faultTolerance().checkpointStore();
        if (o.maxBatch > 0)
        {
            ctx.maxBatchSizeRecords(o.maxBatch);
        }
        for (final InputEndpoint endpoint : workload.inputs(o.events))
        {
            final TimedInputEndpoint timed = new TimedInputEndpoint(endpoint);
            run.inputs.add(timed);
            ctx.input(endpoint.name(), endpoint.name(), timed);
        }
        ctx.output(OUTPUT, workload.view(), run.sink);
        if (!live)
        {
            ctx.stepListener(run);
        }
    }

    /** Ids of the circuit worker threads 1..N-1 ({@code --workers} > 1; worker 0 is the circuit thread). */
    private static long[] workerThreadIds()
    {
        final java.util.List<Long> ids = new java.util.ArrayList<>();
        for (final Thread thread : Thread.getAllStackTraces().keySet())
        {
            if (thread.getName().startsWith("keel-worker-"))
            {
                ids.add(thread.getId());
            }
        }
        return ids.stream().mapToLong(Long::longValue).toArray();
    }

    private static long threadsCpuNs(final java.lang.management.ThreadMXBean threads, final long[] ids)
    {
        long sum = 0;
        for (final long id : ids)
        {
            sum += Math.max(0, threads.getThreadCpuTime(id));
        }
        return sum;
    }

    /** Id of the circuit's agent thread (DEDICATED threading), or -1. */
    private static long circuitThreadId()
    {
        for (final Thread thread : Thread.getAllStackTraces().keySet())
        {
            if (thread.getName().startsWith("keel-circuit"))
            {
                return thread.getId();
            }
        }
        return -1;
    }

    private static long firstRecordNanos(final Run run)
    {
        long first = 0;
        for (final TimedInputEndpoint input : run.inputs)
        {
            final long t = input.firstRecordNanos();
            if (t != 0 && (first == 0 || t < first))
            {
                first = t;
            }
        }
        return first;
    }

    private static void readCounters(final CountersReader counters, final Run run)
    {
        counters.forEach((counterId, typeId, keyBuffer, label) ->
        {
            final long value = counters.getCounterValue(counterId);
            switch (typeId)
            {
                case KeelCounters.STEPS_TYPE_ID:
                    run.steps = value;
                    break;
                case KeelCounters.RECORDS_IN_TYPE_ID:
                    run.recordsIn = value;
                    break;
                case KeelCounters.STEP_NANOS_MAX_TYPE_ID:
                    run.stepNanosMax = value;
                    break;
                case KeelCounters.ERRORS_TYPE_ID:
                    run.errors = value;
                    break;
                default:
                    break;
            }
        });
    }

    /**
     * Bootstrapping as recovery does it, minus the journal: open the store, find the newest checkpoint, read
     * every page it references into a fresh arena (O_DIRECT, CRC-checked) and load the program metadata.
     */
    private static ObjectNode restore(final HarnessOptions o, final Workload workload, final Path storage)
    {
        final ObjectNode r = MAPPER.createObjectNode();
        try (Program program = Program.build(workload.program(),
            PagedArena.lanes(o.workers, o.arenaMib * PAGES_PER_MIB, false), "restore", null))
        {
            final long t0 = System.nanoTime();
            try (FileCheckpointStore store = new FileCheckpointStore(new FileCheckpointStore.Context().storageDir(storage)))
            {
                final long t1 = System.nanoTime();
                final LoadedCheckpoint checkpoint = store.loadLatest().orElseThrow(() ->
                    new IllegalStateException("no committed checkpoint in " + storage + " to restore"));
                store.restoreInto(checkpoint, program.arena());
                program.loadMeta(new MetaBuffer(checkpoint.metadata().programMeta()));
                final long t2 = System.nanoTime();
                final long bytes = (long)(program.arena().pageCount() - 1) * PagedArena.PAGE_SIZE;
                r.put("checkpoint_step", checkpoint.metadata().step());
                r.put("state_bytes", bytes);
                r.put("allocated_bytes", program.arena().allocatedBytes());
                r.put("open_store_ms", (t1 - t0) / 1e6);
                r.put("restore_ms", (t2 - t1) / 1e6);
                r.put("total_ms", (t2 - t0) / 1e6);
                r.put("mb_per_sec", bytes / 1e6 / ((t2 - t1) / 1e9));
            }
        }
        return r;
    }

    private static void putPercentiles(
        final ObjectNode node, final String name, final long[] values, final double divisor, final boolean p99)
    {
        final ObjectNode p = node.putObject(name);
        final long[] sorted = values.clone();
        Arrays.sort(sorted);
        p.put("count", sorted.length);
        p.put("p50", percentile(sorted, 50) / divisor);
        if (p99)
        {
            p.put("p99", percentile(sorted, 99) / divisor);
        }
        p.put("max", sorted.length == 0 ? 0 : sorted[sorted.length - 1] / divisor);
        if (p99)
        {
            // in checkpoint order, so that an outlier can be told from a cold start (the first checkpoints)
            final ArrayNode each = p.putArray("each");
            for (final long value : values)
            {
                each.add(Math.round(value / divisor));
            }
        }
    }

    /** Nearest-rank percentile of sorted values; 0 when empty. */
    static long percentile(final long[] sorted, final double pct)
    {
        if (sorted.length == 0)
        {
            return 0;
        }
        final int rank = (int)Math.ceil(pct / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    /** VmHWM of /proc/self/status in bytes, or -1 where there is no procfs. */
    static long peakRssBytes()
    {
        try
        {
            for (final String line : Files.readAllLines(Path.of("/proc/self/status")))
            {
                if (line.startsWith("VmHWM:"))
                {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        }
        catch (final IOException | RuntimeException ex)
        {
            return -1;
        }
        return -1;
    }

    private static String loadAverage()
    {
        try
        {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        }
        catch (final IOException ex)
        {
            return "unknown";
        }
    }

    private static ObjectNode jvm()
    {
        final RuntimeMXBean runtime = ManagementFactory.getRuntimeMXBean();
        final ObjectNode jvm = MAPPER.createObjectNode();
        jvm.put("version", Runtime.version().toString());
        jvm.put("vm", runtime.getVmName() + " " + runtime.getVmVendor());
        final ArrayNode flags = jvm.putArray("flags");
        runtime.getInputArguments().forEach(flags::add);
        final ObjectNode heap = jvm.putObject("heap");
        final java.lang.management.MemoryUsage usage = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        heap.put("init_bytes", usage.getInit());
        heap.put("max_bytes", usage.getMax());
        heap.put("pinned", usage.getInit() == usage.getMax());
        heap.put("always_pre_touch", runtime.getInputArguments().contains("-XX:+AlwaysPreTouch"));
        heap.put("gc", String.join(",", ManagementFactory.getGarbageCollectorMXBeans().stream()
            .map(java.lang.management.GarbageCollectorMXBean::getName).toArray(String[]::new)));
        return jvm;
    }

    private static ObjectNode machine()
    {
        final ObjectNode m = MAPPER.createObjectNode();
        m.put("available_processors", Runtime.getRuntime().availableProcessors());
        try
        {
            Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name")).findFirst()
                .ifPresent(l -> m.put("cpu", l.substring(l.indexOf(':') + 1).trim()));
            Files.readAllLines(Path.of("/proc/meminfo")).stream().filter(l -> l.startsWith("MemTotal")).findFirst()
                .ifPresent(l -> m.put("mem_total_bytes", Long.parseLong(l.replaceAll("[^0-9]", "")) * 1024));
        }
        catch (final IOException | RuntimeException ex)
        {
            m.put("cpu", "unknown");
        }
        return m;
    }

    private static void deleteTree(final Path root)
    {
        try (Stream<Path> paths = Files.walk(root))
        {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        catch (final IOException ex)
        {
            System.err.println("could not delete " + root + ": " + ex);
        }
    }
}
