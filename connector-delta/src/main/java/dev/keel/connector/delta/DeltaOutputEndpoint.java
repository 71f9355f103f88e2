package dev.keel.connector.delta;

import dev.keel.engine.KeelException;
import dev.keel.engine.connector.CommitGroup;
import dev.keel.engine.connector.GroupCommitOutputEndpoint;
import dev.keel.engine.connector.OutputQueue;
import dev.keel.engine.data.RowView;
import dev.keel.engine.data.Schema;
import io.delta.kernel.DataWriteContext;
import io.delta.kernel.Operation;
import io.delta.kernel.Snapshot;
import io.delta.kernel.Table;
import io.delta.kernel.Transaction;
import io.delta.kernel.TransactionBuilder;
import io.delta.kernel.TransactionCommitResult;
import io.delta.kernel.data.FilteredColumnarBatch;
import io.delta.kernel.data.Row;
import io.delta.kernel.engine.Engine;
import io.delta.kernel.exceptions.TableNotFoundException;
import io.delta.kernel.hook.PostCommitHook;
import io.delta.kernel.types.StructType;
import io.delta.kernel.utils.CloseableIterable;
import io.delta.kernel.utils.CloseableIterator;
import io.delta.kernel.utils.DataFileStatus;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.NanoClock;

import java.io.IOException;
import java.util.Map;
import java.util.Optional;

/**
 * A {@code delta_table_output} endpoint: appends each step's changes to a Delta table as records of the view's
 * columns plus {@link DeltaSchemas#OP_COLUMN} and {@link DeltaSchemas#TRANSACTION_COLUMN}, through delta-kernel on
 * the endpoint's own agent (Parquet data files, then one commit to {@code _delta_log}).
 * <p>
 * Hand-over: {@link #offer} copies the delta into an {@link OutputQueue} and returns false when it is full, so the
 * circuit thread never blocks on the table; a delta is streamed across offers by the queue's protocol, the same for
 * every output endpoint.
 * <p>
 * Commits: one Delta commit holds one or more whole Keel steps (a {@link CommitGroup}; records of a step still
 * arriving wait for the next commit); it is made when the queue is drained, on
 * {@link #flush()}, after {@code max_steps_per_commit} steps or {@code max_rows_per_commit} records, or 100 ms after
 * its first step; only then is its last step published as {@link #deliveredTransactionId()}. A commit with no
 * records is not written. After a commit the kernel's post-commit hooks run (a table checkpoint every 10 commits).
 * <p>
 * Exactly once (the pipeline's {@code exactly_once}): each commit carries a {@code txn} action
 * {@code {appId: <pipeline>/<endpoint>, version: <last Keel transaction id in it>}}. On open or restore the agent
 * reads the table's latest {@code txn} version for its appId and drops offered steps up to it, so a replay after a
 * kill -9 never commits a step twice and never loses one (a commit is atomic: it is in the log or not at all). With
 * another model no {@code txn} action is written and nothing is skipped (at least once).
 * <p>
 * Holding ({@link #holdsUntilDurable()} is true): the circuit offers each step as soon as it ran and a commit only
 * covers steps {@link #onDurable} reported, so no step a crash could still lose from the journal is ever visible;
 * while the steps read are not all durable the agent reads no more from the queue, and at close it commits only
 * durable steps.
 * <p>
 * Retries: a commit that fails on a transient error ({@link CommitRetry#transientFailure}) is tried again after a
 * backoff, without reading the queue meanwhile (so the retry holds the same steps and {@code txn} version); before
 * each retry the table's log is read, and a commit whose {@code txn} version is already there (the outcome of the
 * failed attempt was unknown: an answer lost) is not written again. Data files get fresh names on every attempt.
 * <p>
 * Counters: records are change records committed, bytes the Parquet bytes committed (not those of an attempt whose
 * answer was lost), retries the failed attempts retried; errors: a write failure.
 */
public final class DeltaOutputEndpoint extends GroupCommitOutputEndpoint
{
    /** The engine info of the commits. */
    public static final String ENGINE_INFO = "Keel";

    private static final System.Logger LOGGER = System.getLogger(DeltaOutputEndpoint.class.getName());
    private static final int MAX_MESSAGES_PER_DUTY_CYCLE = 4096;
    private static final long MAX_COMMIT_DELAY_NS = 100_000_000L;

    private final Schema schema;
    private final DeltaOutputSettings settings;
    private final NanoClock clock;
    private final WriterAgent agent;

    private DeltaOutputEndpoint(
        final String name, final Schema schema, final DeltaOutputSettings settings, final NanoClock clock)
    {
        super(name, "table " + settings.uri(), schema, settings.queueCapacityBytes(), settings.maxStepsPerCommit(),
            MAX_COMMIT_DELAY_NS, true);
        this.schema = schema;
        this.settings = settings;
        this.clock = clock;
        this.agent = new WriterAgent();
    }

    /** A {@code delta_table_output} endpoint named {@code name} writing rows of {@code schema}. */
    public static DeltaOutputEndpoint create(
        final String name, final Schema schema, final DeltaOutputSettings settings, final NanoClock clock)
    {
        return new DeltaOutputEndpoint(name, schema, settings, clock);
    }

    public DeltaOutputSettings settings()
    {
        return settings;
    }

    public Agent agent()
    {
        return agent;
    }

    public void close()
    {
    }

    public String toString()
    {
        return "DeltaOutputEndpoint{name='" + name + "', " + settings + "}";
    }

    /** Drains the queue into columns, writes Parquet files and commits them, then publishes what is delivered. */
    final class WriterAgent implements Agent, OutputQueue.Handler
    {
        private final CommitGroup group = group();
        private final ChangeColumns columns = new ChangeColumns(schema);
        private final StructType tableSchema = DeltaSchemas.outputSchema(schema);
        private final CommitRetry retry = new CommitRetry(settings.commitMaxRetries(),
            settings.commitRetryInitialBackoffMs(), settings.commitRetryMaxBackoffMs());
        private Engine engine;
        private Table table;
        private boolean tableExists;
        private boolean started;
        private boolean failed;

        public int doWork()
        {
            queue.publishBuffered(endpointCounters());
            if (!isOpened() || failed)
            {
                return 0;
            }
            try
            {
                if (!started)
                {
                    start();
                    return 1;
                }
                final long nowNs = clock.nanoTime();
                if (retry.pending())
                {
                    // the queue is not read while a commit is pending: the retry commits exactly the steps of the
                    // failed attempt under the same txn version, which the outcome check looks for
                    if (retry.waiting(nowNs))
                    {
                        return 0;
                    }
                    commit(retry.flushRequested());
                    return 1;
                }
                final long flushRequested = flushRequests();
                if (!durable())
                {
                    // the steps read are not all durable yet: read no more (so durability catches up with a
                    // bounded set of steps) and commit once it covers them
                    return 0;
                }
                final int read = queue.read(this, MAX_MESSAGES_PER_DUTY_CYCLE);
                if (group.due(read < MAX_MESSAGES_PER_DUTY_CYCLE, flushRequested, nowNs,
                    columns.getSize() >= settings.maxRowsPerCommit()) && durable())
                {
                    commit(flushRequested);
                    return read + 1;
                }
                return read;
            }
            catch (final RuntimeException | IOException e)
            {
                fail(e);
                return 1;
            }
        }

        private void start()
        {
            started = true;
            engine = DeltaTables.engine(settings.uri(), settings.storageOptions());
            table = Table.forPath(engine, settings.uri());
            long skipUpTo = restoredTransaction();
            Snapshot snapshot = null;
            try
            {
                snapshot = table.getLatestSnapshot(engine);
            }
            catch (final TableNotFoundException e)
            {
                LOGGER.log(System.Logger.Level.INFO, "endpoint ''{0}'': table {1} does not exist; the first commit " +
                    "creates it", name, settings.uri());
            }
            tableExists = null != snapshot;
            if (tableExists)
            {
                if (!snapshot.getSchema().equivalent(tableSchema))
                {
                    throw error("CONNECTOR_SCHEMA_MISMATCH", "the table's schema " + snapshot.getSchema() +
                        " is not the view's with the change columns: " + tableSchema, null);
                }
                final Optional<Long> committed = snapshot.getLatestTransactionVersion(engine, settings.appId());
                if (settings.errorIfExists() && committed.isEmpty())
                {
                    throw error("CONNECTOR_TABLE_EXISTS", "the table exists (version " + snapshot.getVersion() +
                        ") and mode is error_if_exists", null);
                }
                if (settings.exactlyOnce() && committed.isPresent() && committed.get() > skipUpTo)
                {
                    LOGGER.log(System.Logger.Level.INFO, "endpoint ''{0}'': table {1} holds Keel transactions up to " +
                        "{2} of {3}; offered steps up to it are skipped", name, settings.uri(), committed.get(),
                        settings.appId());
                    skipUpTo = committed.get();
                }
            }
            startAfter(skipUpTo);
        }

        /** @return true if every step ended so far is durable (the only ones a commit may hold). */
        private boolean durable()
        {
            return group.steps() == 0 || isDurable(group.lastEnded());
        }

        public void onEndTransaction(final long transactionId)
        {
            group.onEndTransaction(transactionId);
            columns.endStep();
        }

        public void onRow(final long transactionId, final long weight, final RowView row)
        {
            columns.add(row, weight, transactionId);
        }

        /**
         * Commits the pending steps; a transient failure schedules a retry (WARNING log, retries counter) unless the
         * retries are exhausted, then the endpoint fails naming the table, version, step and cause.
         */
        private void commit(final long flushRequested) throws IOException
        {
            if (columns.isEmpty())
            {
                committed(flushRequested);
                return;
            }
            try
            {
                if (retry.pending() && alreadyCommitted())
                {
                    delivered(flushRequested, 0);
                    return;
                }
                delivered(flushRequested, write());
            }
            catch (final RuntimeException | IOException e)
            {
                if (e instanceof KeelException || !CommitRetry.transientFailure(e))
                {
                    throw e;
                }
                final String cause = DeltaS3.redact(settings.storageOptions(), CommitRetry.describe(e));
                final long backoffNs = retry.failed(clock.nanoTime(), flushRequested);
                if (backoffNs < 0)
                {
                    throw error("CONNECTOR_DELTA_COMMIT_FAILED", "the commit of steps up to " + group.lastEnded() +
                        " (txn version " + group.lastEnded() + " of " + settings.appId() + ") failed " +
                        retry.failures() + " times (commit_max_retries " + retry.maxRetries() + "); last error: " +
                        cause, e);
                }
                endpointCounters().retries().incrementRelease();
                LOGGER.log(System.Logger.Level.WARNING, "endpoint ''{0}'': table {1}: the commit of steps up to {2} " +
                    "failed, retry {3} of {4} in {5} ms: {6}", name, settings.uri(), group.lastEnded(),
                    retry.failures(), retry.maxRetries(), backoffNs / 1_000_000, cause);
            }
        }

        /**
         * After a failed attempt whose outcome is unknown (the log entry's PUT may have succeeded with its answer
         * lost, or a retried PUT found the version taken): whether the table's log already holds this commit, by
         * its {@code txn} version. Without exactly once there is no {@code txn} action: the commit is written again
         * (at least once).
         */
        private boolean alreadyCommitted()
        {
            final Snapshot snapshot;
            try
            {
                snapshot = table.getLatestSnapshot(engine);
            }
            catch (final TableNotFoundException e)
            {
                return false;
            }
            tableExists = true;
            if (!settings.exactlyOnce())
            {
                return false;
            }
            final Optional<Long> committed = snapshot.getLatestTransactionVersion(engine, settings.appId());
            if (committed.isPresent() && committed.get() >= group.lastEnded())
            {
                LOGGER.log(System.Logger.Level.INFO, "endpoint ''{0}'': table {1}: the failed attempt of steps up " +
                    "to {2} had committed (table version {3}, txn {4}): not written again", name, settings.uri(),
                    group.lastEnded(), snapshot.getVersion(), committed.get());
                return true;
            }
            return false;
        }

        private void delivered(final long flushRequested, final long bytes)
        {
            retry.succeeded();
            endpointCounters().records().getAndAddRelease(columns.getSize());
            endpointCounters().bytes().getAndAddRelease(bytes);
            columns.removeEnded();
            committed(flushRequested);
        }

        /**
         * Writes the pending steps' records as Parquet files (fresh names on every attempt: files of a failed one
         * are never referenced) and commits them with the txn action.
         *
         * @return the Parquet bytes committed.
         */
        private long write() throws IOException
        {
            final TransactionBuilder builder = table.createTransactionBuilder(
                engine, ENGINE_INFO, tableExists ? Operation.WRITE : Operation.CREATE_TABLE);
            if (!tableExists)
            {
                builder.withSchema(engine, tableSchema);
            }
            if (settings.exactlyOnce())
            {
                builder.withTransactionId(engine, settings.appId(), group.lastEnded());
            }
            final Transaction transaction = builder.build(engine);
            final Row state = transaction.getTransactionState(engine);
            final CloseableIterator<FilteredColumnarBatch> logical =
                DeltaTableReader.single(new FilteredColumnarBatch(columns, Optional.empty()));
            final CloseableIterator<FilteredColumnarBatch> physical =
                Transaction.transformLogicalData(engine, state, logical, Map.of());
            final DataWriteContext context = Transaction.getWriteContext(engine, state, Map.of());
            final CloseableIterator<DataFileStatus> files = engine.getParquetHandler()
                .writeParquetFiles(context.getTargetDirectory(), physical, context.getStatisticsColumns());
            final long[] bytes = new long[1];
            final CloseableIterator<DataFileStatus> counted = files.map(file ->
            {
                bytes[0] += file.getSize();
                return file;
            });
            final CloseableIterator<Row> actions =
                Transaction.generateAppendActions(engine, state, counted, context);
            final TransactionCommitResult result =
                transaction.commit(engine, CloseableIterable.inMemoryIterable(actions));
            tableExists = true;
            // the kernel's table checkpoints (every delta.checkpointInterval = 10 commits) and checksums keep
            // the log short to read on restart; the commit itself is already durable, so a failing hook is only
            // logged: the next checkpoint covers it
            for (final PostCommitHook hook : result.getPostCommitHooks())
            {
                try
                {
                    hook.threadSafeInvoke(engine);
                }
                catch (final IOException | RuntimeException e)
                {
                    LOGGER.log(System.Logger.Level.WARNING, "endpoint ''{0}'': table {1}: post-commit hook {2} " +
                        "after version {3} failed (the commit stands): {4}", name, settings.uri(), hook.getType(),
                        result.getVersion(), DeltaS3.redact(settings.storageOptions(), String.valueOf(e)));
                }
            }
            return bytes[0];
        }

        private void fail(final Exception e)
        {
            failed = true;
            endpointCounters().errors().incrementRelease();
            publishError(e instanceof KeelException ? (KeelException)e : error("CONNECTOR_IO_ERROR", e.toString(), e));
        }

        public void onClose()
        {
            if (started && !failed)
            {
                try
                {
                    if (retry.pending())
                    {
                        // one last attempt of the failed commit (no wait); if it fails too its steps stay
                        // undelivered and are replayed after a restart
                        commit(retry.flushRequested());
                        if (retry.pending())
                        {
                            return;
                        }
                    }
                    queue.drain(this);
                    if (group.steps() > 0 && !durable())
                    {
                        LOGGER.log(System.Logger.Level.INFO, "endpoint ''{0}'': table {1}: steps up to {2} are " +
                            "not durable at close: not committed", name, settings.uri(), group.lastEnded());
                        return;
                    }
                    if (group.steps() > 0)
                    {
                        commit(flushRequests());
                    }
                }
                catch (final RuntimeException | IOException e)
                {
                    fail(e);
                }
            }
        }

        public String roleName()
        {
            return "keel-output-" + name;
        }
    }
}
