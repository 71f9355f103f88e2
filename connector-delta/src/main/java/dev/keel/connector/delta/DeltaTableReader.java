package dev.keel.connector.delta;

import io.delta.kernel.Scan;
import io.delta.kernel.Snapshot;
import io.delta.kernel.data.ColumnarBatch;
import io.delta.kernel.data.FilteredColumnarBatch;
import io.delta.kernel.data.Row;
import io.delta.kernel.engine.Engine;
import io.delta.kernel.engine.FileReadResult;
import io.delta.kernel.internal.InternalScanFileUtils;
import io.delta.kernel.internal.data.ScanStateRow;
import io.delta.kernel.utils.CloseableIterator;
import io.delta.kernel.utils.FileStatus;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Reads a table snapshot through delta-kernel, file by file in the order of their paths (a stable order, so that a
 * position (file index, row) names the same record again after a restart).
 */
public final class DeltaTableReader
{
    private final Engine engine;
    private final Row scanState;
    private final List<Row> files;

    /**
     * @param engine   the kernel engine.
     * @param snapshot the snapshot to read.
     */
    public DeltaTableReader(final Engine engine, final Snapshot snapshot)
    {
        this.engine = engine;
        final Scan scan = snapshot.getScanBuilder().build();
        this.scanState = scan.getScanState(engine);
        final List<Row> rows = new ArrayList<>();
        try (CloseableIterator<FilteredColumnarBatch> batches = scan.getScanFiles(engine))
        {
            while (batches.hasNext())
            {
                try (CloseableIterator<Row> fileRows = batches.next().getRows())
                {
                    while (fileRows.hasNext())
                    {
                        rows.add(fileRows.next());
                    }
                }
            }
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e);
        }
        rows.sort(Comparator.comparing(InternalScanFileUtils::getFilePath));
        this.files = rows;
    }

    /** @return the number of data files of the snapshot. */
    public int fileCount()
    {
        return files.size();
    }

    /** @return the path of data file {@code index}. */
    public String filePath(final int index)
    {
        return InternalScanFileUtils.getFilePath(files.get(index));
    }

    /**
     * The logical rows of data file {@code index} (deletion vectors applied, as the selection vectors of the batches).
     *
     * @param index of the file in path order.
     * @return the file's batches; the caller closes the iterator.
     * @throws IOException if the file cannot be read.
     */
    public CloseableIterator<FilteredColumnarBatch> read(final int index) throws IOException
    {
        final Row file = files.get(index);
        final FileStatus status = InternalScanFileUtils.getAddFileStatus(file);
        final CloseableIterator<ColumnarBatch> physical = engine.getParquetHandler()
            .readParquetFiles(single(status), ScanStateRow.getPhysicalDataReadSchema(scanState), Optional.empty())
            .map(FileReadResult::getData);
        return Scan.transformPhysicalData(engine, scanState, file, physical);
    }

    static <T> CloseableIterator<T> single(final T value)
    {
        return new CloseableIterator<>()
        {
            private boolean taken;

            public boolean hasNext()
            {
                return !taken;
            }

            public T next()
            {
                taken = true;
                return value;
            }

            public void close()
            {
            }
        };
    }
}
