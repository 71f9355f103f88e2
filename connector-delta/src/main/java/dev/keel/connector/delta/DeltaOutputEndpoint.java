package dev.keel.connector.delta;

import dev.keel.engine.KeelException;
import dev.keel.engine.connector.EndpointCounters;
import dev.keel.engine.connector.OutputEndpoint;
import dev.keel.engine.data.RowView;
import dev.keel.engine.data.Schema;
import dev.keel.engine.data.ZSetBatch;
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
import org.agrona.BitUtil;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
import java.util.Optional;

/**
 * A {@code delta_table_output} endpoint: appends each step's changes to a Delta table as records of the view's
 * columns plus {@link DeltaSchemas#OP_COLUMN} and {@link DeltaSchemas#TRANSACTION_COLUMN}, through delta-kernel on
 * the endpoint's own agent (Parquet data files, then one commit to {@code _delta_log}).
 * <p>
 * Hand-over: {@link #offer} copies the delta into an off-heap ring buffer (one message per row, then a transaction
 * end) and returns false when it is full, so the circuit thread never blocks on the table; a delta is streamed across
 * offers as in {@code kafka_output}.
 * <p>
 * Commits: one Delta commit holds one or more whole Keel steps (records of a step still arriving wait for the next
 * commit); it is made when the queue is drained, on
 * {@link #flush()}, after {@code max_steps_per_commit} steps or {@code max_rows_per_commit} records, or 100 ms after
 * its first step; only then is its last step published as {@link #deliveredTransactionId()}. A commit with no
 * records is not written. After a commit the kernel's post-commit hooks run (a table checkpoint every 10 commits).
 * <p>
 * Exactly once (the pipeline's {@code exactly_once}): each commit carries a {@code txn} action
 * {@code {appId: <pipeline>/<endpoint>, version: <last Keel transaction id in it>}}. On open or restore the agent
 * reads the table's latest {@code txn} version for its appId and drops offered steps up to it, so a replay after a
 * kill -9 never commits a step twice and never loses one (a commit is atomic: it is in the log or not at all). With
 * another model no {@code txn} action is written and nothing is skipped (at least once).
 */
public final class DeltaOutputEndpoint implements OutputEndpoint
{
    /** {@link #deliveredTransactionId()} before any transaction was delivered. */
    public static final long NO_TRANSACTION = -1;
    /** The engine info of the commits. */
    public static final String ENGINE_INFO = "Keel";

    private static final System.Logger LOGGER = System.getLogger(DeltaOutputEndpoint.class.getName());
    private static final int ROW_MSG_TYPE_ID = 1;
    private static final int END_TXN_MSG_TYPE_ID = 2;
    private static final int TXN_OFFSET = 0;
    private static final int WEIGHT_OFFSET = 8;
    private static final int ROW_OFFSET = 16;
    private static final int MAX_MESSAGES_PER_DUTY_CYCLE = 4096;
    private static final long MAX_COMMIT_DELAY_NS = 100_000_000L;

    private final String name;
    private final Schema schema;
    private final DeltaOutputSettings settings;
    private final NanoClock clock;
    private final OneToOneRingBuffer ringBuffer;
    private final WriterAgent agent;
    private EndpointCounters counters;

    // circuit thread
    private ZSetBatch partialBatch;
    private long partialTransaction;
    private boolean rowPending;
    private long partialRows;
    private ZSetBatch cursorBatch;
    private ZSetBatch.Cursor cursor;

    // shared
    private volatile boolean opened;
    private volatile long restoredTransaction = NO_TRANSACTION;
    private volatile long flushRequests;
    private volatile KeelException error;
    private volatile long delivered = NO_TRANSACTION;
    private volatile long rowsQueued;

    private DeltaOutputEndpoint(
        final String name, final Schema schema, final DeltaOutputSettings settings, final NanoClock clock)
    {
        this.name = name;
        this.schema = schema;
        this.settings = settings;
        this.clock = clock;
        final int capacity = BitUtil.findNextPositivePowerOfTwo(settings.queueCapacityBytes());
        this.ringBuffer = new OneToOneRingBuffer(new UnsafeBuffer(
            ByteBuffer.allocateDirect(capacity + RingBufferDescriptor.TRAILER_LENGTH)));
        this.agent = new WriterAgent();
        this.counters = EndpointCounters.detached(name);
    }

    /** A {@code delta_table_output} endpoint named {@code name} writing rows of {@code schema}. */
    public static DeltaOutputEndpoint create(
        final String name, final Schema schema, final DeltaOutputSettings settings, final NanoClock clock)
    {
        return new DeltaOutputEndpoint(name, schema, settings, clock);
    }

    public String name()
    {
        return name;
    }

    public DeltaOutputSettings settings()
    {
        return settings;
    }

    /** Records: change records committed; bytes: Parquet bytes committed; errors: a write failure; buffered: queue. */
    public void counters(final EndpointCounters counters)
    {
        this.counters = counters;
    }

    public void open()
    {
        opened = true;
    }

    public void restore(final long position, final long transactionId)
    {
        restoredTransaction = transactionId;
        delivered = transactionId;
        opened = true;
    }

    public boolean offer(final long transactionId, final ZSetBatch delta)
    {
        if (null == partialBatch)
        {
            partialBatch = delta;
            partialTransaction = transactionId;
            partialRows = 0;
            rowPending = false;
            rewind(delta);
        }
        else if (partialTransaction != transactionId)
        {
            throw new KeelException(KeelException.Category.INTERNAL, "INTERNAL_PARTIAL_OFFER",
                "endpoint '" + name + "': transaction " + partialTransaction + " was partly taken, then transaction " +
                transactionId + " was offered; offer the same transaction again until it returns true");
        }
        else if (partialBatch != delta)
        {
            // the same transaction's delta in another batch instance: continue after the rows already taken
            partialBatch = delta;
            rewind(delta);
            rowPending = false;
            for (long i = 0; i < partialRows; i++)
            {
                if (!cursor.next())
                {
                    throw new KeelException(KeelException.Category.INTERNAL, "INTERNAL_PARTIAL_OFFER",
                        "endpoint '" + name + "': transaction " + transactionId + " was offered again with fewer " +
                        "rows than were already taken (" + partialRows + ")");
                }
            }
        }
        while (true)
        {
            if (!rowPending)
            {
                if (!cursor.next())
                {
                    if (!writeEndTransaction(transactionId))
                    {
                        return false;
                    }
                    partialBatch = null;
                    return true;
                }
                rowPending = true;
            }
            if (!writeRow(transactionId, cursor.row(), cursor.weight()))
            {
                return false;
            }
            rowPending = false;
            partialRows++;
        }
    }

    private void rewind(final ZSetBatch delta)
    {
        if (delta != cursorBatch)
        {
            cursorBatch = delta;
            cursor = delta.cursor();
        }
        cursor.reset();
    }

    private boolean writeRow(final long transactionId, final RowView row, final long weight)
    {
        final int length = ROW_OFFSET + row.length();
        if (length > ringBuffer.maxMsgLength())
        {
            throw error("CONNECTOR_RECORD_TOO_LARGE", "a row of " + row.length() + " bytes is more than the queue " +
                "takes (" + (ringBuffer.maxMsgLength() - ROW_OFFSET) + "); raise queue_capacity_bytes", null);
        }
        final int index = ringBuffer.tryClaim(ROW_MSG_TYPE_ID, length);
        if (index <= 0)
        {
            return false;
        }
        final MutableDirectBuffer buffer = ringBuffer.buffer();
        buffer.putLong(index + TXN_OFFSET, transactionId, ByteOrder.LITTLE_ENDIAN);
        buffer.putLong(index + WEIGHT_OFFSET, weight, ByteOrder.LITTLE_ENDIAN);
        buffer.putBytes(index + ROW_OFFSET, row.buffer(), row.offset(), row.length());
        rowsQueued = rowsQueued + 1;
        ringBuffer.commit(index);
        return true;
    }

    private boolean writeEndTransaction(final long transactionId)
    {
        final int index = ringBuffer.tryClaim(END_TXN_MSG_TYPE_ID, 8);
        if (index <= 0)
        {
            return false;
        }
        ringBuffer.buffer().putLong(index + TXN_OFFSET, transactionId, ByteOrder.LITTLE_ENDIAN);
        ringBuffer.commit(index);
        return true;
    }

    public long deliveredTransactionId()
    {
        return delivered;
    }

    /** The delivered transaction id again: the table's log, not a byte position, holds what was delivered. */
    public long deliveredPosition()
    {
        return delivered;
    }

    public void flush()
    {
        flushRequests = flushRequests + 1;
    }

    public void checkError()
    {
        final KeelException e = error;
        if (null != e)
        {
            throw e;
        }
    }

    public Agent agent()
    {
        return agent;
    }

    public void close()
    {
    }

    private KeelException error(final String code, final String message, final Throwable cause)
    {
        return new KeelException(KeelException.Category.CONNECTOR, code,
            "endpoint '" + name + "': table " + settings.uri() + ": " + message, cause);
    }

    public String toString()
    {
        return "DeltaOutputEndpoint{name='" + name + "', " + settings + "}";
    }

    /** Drains the queue into columns, writes Parquet files and commits them, then publishes what is delivered. */
    final class WriterAgent implements Agent, MessageHandler
    {
        private final RowView row = new RowView(schema);
        private final ChangeColumns columns = new ChangeColumns(schema);
        private final StructType tableSchema = DeltaSchemas.outputSchema(schema);
        private Engine engine;
        private Table table;
        private boolean tableExists;
        private boolean started;
        private boolean failed;
        private long skipUpTo = NO_TRANSACTION;
        private long lastEnded = NO_TRANSACTION;
        private long stepsPending;
        private long firstPendingNs;
        private long flushesDone;
        private long rowsTaken;

        public int doWork()
        {
            counters.bufferedRecords().setRelease(rowsQueued - rowsTaken);
            counters.bufferedBytes().setRelease(ringBuffer.size());
            if (!opened || failed)
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
                final long flushRequested = flushRequests;
                final int read = ringBuffer.read(this, MAX_MESSAGES_PER_DUTY_CYCLE);
                final boolean drained = read < MAX_MESSAGES_PER_DUTY_CYCLE;
                final long nowNs = clock.nanoTime();
                if (stepsPending > 0 && 0 == firstPendingNs)
                {
                    firstPendingNs = nowNs;
                }
                if (stepsPending > 0 && (drained || flushRequested != flushesDone ||
                    stepsPending >= settings.maxStepsPerCommit() || columns.getSize() >= settings.maxRowsPerCommit() ||
                    nowNs - firstPendingNs >= MAX_COMMIT_DELAY_NS))
                {
                    commit();
                    flushesDone = flushRequested;
                    return read + 1;
                }
                flushesDone = drained && 0 == stepsPending ? flushRequested : flushesDone;
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
            skipUpTo = restoredTransaction;
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
            lastEnded = skipUpTo;
            delivered = Math.max(delivered, skipUpTo);
        }

        public void onMessage(final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
        {
            final long transactionId = buffer.getLong(index + TXN_OFFSET, ByteOrder.LITTLE_ENDIAN);
            if (msgTypeId == END_TXN_MSG_TYPE_ID)
            {
                if (transactionId > skipUpTo)
                {
                    lastEnded = transactionId;
                    stepsPending++;
                    columns.endStep();
                }
                return;
            }
            rowsTaken++;
            final long weight = buffer.getLong(index + WEIGHT_OFFSET, ByteOrder.LITTLE_ENDIAN);
            if (transactionId <= skipUpTo || 0 == weight)
            {
                return;
            }
            row.wrap(buffer, index + ROW_OFFSET, length - ROW_OFFSET);
            columns.add(row, weight, transactionId);
        }

        /** Writes the pending steps' records as Parquet files and commits them with the txn action. */
        private void commit() throws IOException
        {
            if (!columns.isEmpty())
            {
                final TransactionBuilder builder = table.createTransactionBuilder(
                    engine, ENGINE_INFO, tableExists ? Operation.WRITE : Operation.CREATE_TABLE);
                if (!tableExists)
                {
                    builder.withSchema(engine, tableSchema);
                }
                if (settings.exactlyOnce())
                {
                    builder.withTransactionId(engine, settings.appId(), lastEnded);
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
                // the log short to read on restart; the commit itself is already durable
                for (final PostCommitHook hook : result.getPostCommitHooks())
                {
                    hook.threadSafeInvoke(engine);
                }
                counters.records().getAndAddRelease(columns.getSize());
                counters.bytes().getAndAddRelease(bytes[0]);
                columns.removeEnded();
            }
            stepsPending = 0;
            firstPendingNs = 0;
            delivered = lastEnded;
        }

        private void fail(final Exception e)
        {
            failed = true;
            counters.errors().incrementRelease();
            error = e instanceof KeelException ? (KeelException)e : error("CONNECTOR_IO_ERROR", e.toString(), e);
        }

        public void onClose()
        {
            if (started && !failed)
            {
                try
                {
                    int read;
                    do
                    {
                        read = ringBuffer.read(this);
                    }
                    while (read > 0);
                    if (stepsPending > 0)
                    {
                        commit();
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
