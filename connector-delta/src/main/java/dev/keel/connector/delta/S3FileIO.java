package dev.keel.connector.delta;

import io.delta.kernel.defaults.engine.fileio.FileIO;
import io.delta.kernel.defaults.engine.fileio.InputFile;
import io.delta.kernel.defaults.engine.fileio.OutputFile;
import io.delta.kernel.defaults.engine.fileio.PositionOutputStream;
import io.delta.kernel.defaults.engine.fileio.SeekableInputStream;
import io.delta.kernel.utils.CloseableIterator;
import io.delta.kernel.utils.FileStatus;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.io.BufferedOutputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;

/**
 * delta-kernel's file access for tables in S3 ({@code s3://bucket/path}), over the AWS SDK's S3 client: no Hadoop
 * file system, no hadoop-aws. Commits are correct with any number of writers:
 * <ul>
 *   <li>a log file written without overwrite ({@code _delta_log/NNN.json}: {@link OutputFile#writeAtomically}) is
 *   one {@code PutObject} with {@code If-None-Match: *}: S3 stores it only if the key does not exist, else answers
 *   412 and the commit fails with {@link FileAlreadyExistsException} (the kernel's signal that another writer took
 *   the version: it re-reads the log and retries or reports the conflict). Two writers never commit the same
 *   version;</li>
 *   <li>an object becomes visible whole or not at all (a single PUT), so a torn commit is never visible
 *   ({@code isPartialWriteVisible} = false); data files are staged in a local temporary file and PUT on close.</li>
 * </ul>
 * Reads are ranged GETs of at least {@value #READ_CHUNK} bytes. Listing ({@code listFrom}) is one
 * {@code ListObjectsV2} with a delimiter, from the given name on, in key (UTF-8 byte) order.
 */
final class S3FileIO implements FileIO
{
    /** The smallest ranged GET of an input stream. */
    static final int READ_CHUNK = 1 << 20;

    private final S3Client s3;
    private final Map<String, String> options;

    S3FileIO(final S3Client s3, final Map<String, String> options)
    {
        this.s3 = s3;
        this.options = Map.copyOf(options);
    }

    public CloseableIterator<FileStatus> listFrom(final String filePath) throws IOException
    {
        final Location from = Location.of(filePath);
        final int slash = from.key.lastIndexOf('/');
        final String dir = slash < 0 ? "" : from.key.substring(0, slash + 1);
        final List<FileStatus> files = new ArrayList<>();
        final String startAfter = from.key.isEmpty() ? null : from.key.substring(0, from.key.length() - 1);
        String token = null;
        try
        {
            do
            {
                final ListObjectsV2Request.Builder request = ListObjectsV2Request.builder()
                    .bucket(from.bucket).prefix(dir).delimiter("/").continuationToken(token);
                if (null == token && null != startAfter && startAfter.length() >= dir.length())
                {
                    request.startAfter(startAfter);
                }
                final ListObjectsV2Response page = s3.listObjectsV2(request.build());
                for (final S3Object object : page.contents())
                {
                    if (object.key().compareTo(from.key) >= 0 && !object.key().endsWith("/"))
                    {
                        files.add(FileStatus.of(from.scheme + "://" + from.bucket + "/" + object.key(),
                            object.size(), object.lastModified().toEpochMilli()));
                    }
                }
                token = Boolean.TRUE.equals(page.isTruncated()) ? page.nextContinuationToken() : null;
            }
            while (null != token);
            if (files.isEmpty() && isEmpty(s3.listObjectsV2(b -> b.bucket(from.bucket).prefix(dir).maxKeys(1))))
            {
                throw new FileNotFoundException("no such directory: " + from.scheme + "://" + from.bucket + "/" + dir);
            }
        }
        catch (final SdkException ex)
        {
            throw failure("list", filePath, ex);
        }
        return iterator(files);
    }

    public FileStatus getFileStatus(final String path) throws IOException
    {
        final Location location = Location.of(path);
        try
        {
            final HeadObjectResponse head = s3.headObject(b -> b.bucket(location.bucket).key(location.key));
            return FileStatus.of(location.toString(), head.contentLength(), head.lastModified().toEpochMilli());
        }
        catch (final SdkException ex)
        {
            throw failure("stat", path, ex);
        }
    }

    public String resolvePath(final String path)
    {
        return Location.of(path).toString();
    }

    public boolean mkdirs(final String path)
    {
        return true; // S3 has no directories: a key's prefixes exist once it does
    }

    public InputFile newInputFile(final String path, final long fileSize)
    {
        final Location location = Location.of(path);
        return new InputFile()
        {
            // the kernel gives 0 for a size it does not know (e.g. _last_checkpoint): ask S3, which also says
            // FileNotFoundException at once for a file that is not there (as opening a Hadoop file does)
            private long length = fileSize > 0 ? fileSize : -1;

            public long length() throws IOException
            {
                if (length < 0)
                {
                    length = getFileStatus(path).getSize();
                }
                return length;
            }

            public String path()
            {
                return location.toString();
            }

            public SeekableInputStream newStream() throws IOException
            {
                return new RangedInput(location, length());
            }
        };
    }

    public OutputFile newOutputFile(final String path)
    {
        final Location location = Location.of(path);
        return new OutputFile()
        {
            public String path()
            {
                return location.toString();
            }

            public PositionOutputStream create(final boolean overwrite) throws IOException
            {
                return new StagedOutput(location, overwrite);
            }

            public void writeAtomically(final CloseableIterator<String> data, final boolean overwrite)
                throws IOException
            {
                final StringBuilder text = new StringBuilder();
                try (data)
                {
                    while (data.hasNext())
                    {
                        text.append(data.next()).append('\n');
                    }
                }
                put(location, RequestBody.fromBytes(text.toString().getBytes(StandardCharsets.UTF_8)), overwrite);
            }
        };
    }

    public boolean delete(final String path) throws IOException
    {
        final Location location = Location.of(path);
        try
        {
            s3.deleteObject(b -> b.bucket(location.bucket).key(location.key));
            return true;
        }
        catch (final SdkException ex)
        {
            throw failure("delete", path, ex);
        }
    }

    public Optional<String> getConf(final String key)
    {
        return DeltaS3.KEYS.contains(key) ? Optional.empty() : Optional.ofNullable(options.get(key));
    }

    public void copyFileAtomically(final String srcPath, final String destPath, final boolean overwrite)
        throws IOException
    {
        final Location src = Location.of(srcPath);
        final byte[] bytes;
        try
        {
            bytes = s3.getObjectAsBytes(b -> b.bucket(src.bucket).key(src.key)).asByteArray();
        }
        catch (final SdkException ex)
        {
            throw failure("read", srcPath, ex);
        }
        put(Location.of(destPath), RequestBody.fromBytes(bytes), overwrite);
    }

    /** One PUT; without {@code overwrite} conditional ({@code If-None-Match: *}): 412 = the key exists. */
    private void put(final Location location, final RequestBody body, final boolean overwrite) throws IOException
    {
        final PutObjectRequest.Builder request = PutObjectRequest.builder().bucket(location.bucket).key(location.key);
        if (!overwrite)
        {
            request.ifNoneMatch("*");
        }
        try
        {
            s3.putObject(request.build(), body);
        }
        catch (final S3Exception ex)
        {
            if (!overwrite && 412 == ex.statusCode())
            {
                throw new FileAlreadyExistsException(location.toString(), null,
                    "another writer created it first (If-None-Match: * refused)");
            }
            throw failure("write", location.toString(), ex);
        }
        catch (final SdkException ex)
        {
            throw failure("write", location.toString(), ex);
        }
    }

    private IOException failure(final String what, final String path, final SdkException ex)
    {
        if (ex instanceof NoSuchKeyException || ex instanceof S3Exception && 404 == ((S3Exception)ex).statusCode())
        {
            final FileNotFoundException missing = new FileNotFoundException(path);
            missing.initCause(ex);
            return missing;
        }
        return new IOException("S3 " + what + " of " + path + " failed: " + DeltaS3.redact(options, ex.getMessage()),
            ex);
    }

    private static boolean isEmpty(final ListObjectsV2Response page)
    {
        return page.contents().isEmpty() && page.commonPrefixes().isEmpty();
    }

    private static CloseableIterator<FileStatus> iterator(final List<FileStatus> files)
    {
        final Iterator<FileStatus> it = files.iterator();
        return new CloseableIterator<>()
        {
            public boolean hasNext()
            {
                return it.hasNext();
            }

            public FileStatus next()
            {
                if (!it.hasNext())
                {
                    throw new NoSuchElementException();
                }
                return it.next();
            }

            public void close()
            {
            }
        };
    }

    /** {@code scheme://bucket/key} split; anything else is refused naming the path. */
    record Location(String scheme, String bucket, String key)
    {
        static Location of(final String path)
        {
            final int sep = path.indexOf("://");
            final String scheme = sep < 0 ? "" : path.substring(0, sep);
            if (!"s3".equals(scheme) && !"s3a".equals(scheme))
            {
                throw new IllegalArgumentException("not an s3:// path: " + path);
            }
            final String rest = path.substring(sep + 3);
            final int slash = rest.indexOf('/');
            final String bucket = slash < 0 ? rest : rest.substring(0, slash);
            if (bucket.isEmpty())
            {
                throw new IllegalArgumentException("no bucket in " + path);
            }
            String key = slash < 0 ? "" : rest.substring(slash + 1);
            while (key.contains("//"))
            {
                key = key.replace("//", "/");
            }
            if (key.endsWith("/"))
            {
                key = key.substring(0, key.length() - 1);
            }
            return new Location(scheme, bucket, key);
        }

        public String toString()
        {
            return scheme + "://" + bucket + (key.isEmpty() ? "" : "/" + key);
        }
    }

    /** Ranged GETs into a chunk buffer; reads of a chunk or more go straight to the caller's array. */
    private final class RangedInput extends SeekableInputStream
    {
        private final Location location;
        private final long length;
        private final byte[] buffer;
        private long bufferStart;
        private int bufferLength;
        private long position;

        RangedInput(final Location location, final long length)
        {
            this.location = location;
            this.length = length;
            this.buffer = new byte[(int)Math.min(READ_CHUNK, Math.max(1, length))];
        }

        public int read() throws IOException
        {
            final byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
        }

        public int read(final byte[] bytes, final int offset, final int count) throws IOException
        {
            if (0 == count)
            {
                return 0;
            }
            if (position >= length)
            {
                return -1;
            }
            final int wanted = (int)Math.min(count, length - position);
            if (position < bufferStart || position >= bufferStart + bufferLength)
            {
                if (wanted >= buffer.length)
                {
                    fetch(position, bytes, offset, wanted);
                    position += wanted;
                    return wanted;
                }
                final int fill = (int)Math.min(buffer.length, length - position);
                fetch(position, buffer, 0, fill);
                bufferStart = position;
                bufferLength = fill;
            }
            final int from = (int)(position - bufferStart);
            final int n = Math.min(wanted, bufferLength - from);
            System.arraycopy(buffer, from, bytes, offset, n);
            position += n;
            return n;
        }

        public void readFully(final byte[] bytes, final int offset, final int count) throws IOException
        {
            int done = 0;
            while (done < count)
            {
                final int n = read(bytes, offset + done, count - done);
                if (n < 0)
                {
                    throw new java.io.EOFException(location + ": " + (count - done) + " bytes past its end (" + length +
                        ")");
                }
                done += n;
            }
        }

        public long getPos()
        {
            return position;
        }

        public void seek(final long newPosition) throws IOException
        {
            if (newPosition < 0 || newPosition > length)
            {
                throw new java.io.EOFException(location + ": seek to " + newPosition + " outside 0.." + length);
            }
            position = newPosition;
        }

        private void fetch(final long from, final byte[] into, final int offset, final int count) throws IOException
        {
            final byte[] bytes;
            try
            {
                bytes = s3.getObjectAsBytes(b -> b.bucket(location.bucket).key(location.key)
                    .range("bytes=" + from + "-" + (from + count - 1))).asByteArray();
            }
            catch (final SdkException ex)
            {
                throw failure("read", location.toString(), ex);
            }
            if (bytes.length != count)
            {
                throw new IOException("S3 read of " + location + " at " + from + ": " + bytes.length + " bytes, " +
                    count + " asked (the object changed?)");
            }
            System.arraycopy(bytes, 0, into, offset, count);
        }
    }

    /** Bytes staged in a local temporary file, PUT whole on close (so the object appears at once, or not). */
    private final class StagedOutput extends PositionOutputStream
    {
        private final Location location;
        private final boolean overwrite;
        private final Path staged;
        private final OutputStream out;
        private long position;
        private boolean closed;

        StagedOutput(final Location location, final boolean overwrite) throws IOException
        {
            this.location = location;
            this.overwrite = overwrite;
            this.staged = Files.createTempFile("keel-delta-", ".part");
            this.out = new BufferedOutputStream(Files.newOutputStream(staged), 1 << 16);
        }

        public long getPos()
        {
            return position;
        }

        public void write(final int b) throws IOException
        {
            out.write(b);
            position++;
        }

        public void write(final byte[] bytes, final int offset, final int count) throws IOException
        {
            out.write(bytes, offset, count);
            position += count;
        }

        public void close() throws IOException
        {
            if (closed)
            {
                return;
            }
            closed = true;
            try
            {
                out.close();
                put(location, RequestBody.fromFile(staged), overwrite);
            }
            finally
            {
                Files.deleteIfExists(staged);
            }
        }
    }
}
