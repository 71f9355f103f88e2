package dev.keel.connector.s3;

import dev.keel.engine.config.OnErrorPolicy;
import dev.keel.engine.connector.format.FormatSettings;

import java.net.URI;

/**
 * Immutable settings of an {@code s3_input} endpoint, validated by {@link S3InputConnector#settings}. The secret
 * access key (and the access key id) never appear in {@link #toString()} nor in errors: {@link #redact} removes
 * them from any text that might echo them (a server's error body, say).
 *
 * @param bucket               {@code bucket_name}.
 * @param key                  {@code key}: the one object to read, or null when {@code prefix} is set.
 * @param prefix               {@code prefix}: every object whose key starts with it (empty = the whole bucket), or
 *                             null when {@code key} is set.
 * @param region               {@code region}, the signing region.
 * @param endpoint             {@code endpoint_url}, null for AWS itself.
 * @param accessKeyId          {@code aws_access_key_id}, null for the default credential chain or no signing.
 * @param secretAccessKey      {@code aws_secret_access_key}, null with {@code accessKeyId}.
 * @param noSignRequest        {@code no_sign_request}: anonymous requests.
 * @param follow               {@code follow}: after the last object, list again for keys after it.
 * @param followPollIntervalMs {@code follow_poll_interval_ms}: the pause between listings when following.
 * @param readChunkBytes       {@code read_chunk_bytes}: the length of one ranged GET (bounds memory).
 * @param maxRecordBytes       {@code max_record_bytes}: the longest record accepted.
 * @param maxRetries           {@code max_retries}: attempts after the first of a failed request before the
 *                             endpoint fails.
 * @param format               the records' format (JSON lines or CSV).
 * @param onError              what a malformed record does.
 * @param maxQueuedRecords     sizes the queue to the circuit.
 */
public record S3InputSettings(
    String bucket,
    String key,
    String prefix,
    String region,
    URI endpoint,
    String accessKeyId,
    String secretAccessKey,
    boolean noSignRequest,
    boolean follow,
    long followPollIntervalMs,
    int readChunkBytes,
    int maxRecordBytes,
    int maxRetries,
    FormatSettings format,
    OnErrorPolicy onError,
    int maxQueuedRecords)
{
    /** What the listing selects: {@code s3://bucket/key} or {@code s3://bucket/prefix*}. */
    public String source()
    {
        return "s3://" + bucket + "/" + (null != key ? key : prefix + "*");
    }

    /**
     * Removes the credentials from a text that may echo them.
     *
     * @param text a message, possibly null.
     * @return the text with the access key id and the secret replaced by {@code ****}.
     */
    public String redact(final String text)
    {
        String result = text;
        if (null != result && null != secretAccessKey && !secretAccessKey.isEmpty())
        {
            result = result.replace(secretAccessKey, "****");
        }
        if (null != result && null != accessKeyId && !accessKeyId.isEmpty())
        {
            result = result.replace(accessKeyId, "****");
        }
        return result;
    }

    public String toString()
    {
        return "S3InputSettings{source=" + source() + ", region=" + region + ", endpoint=" + endpoint +
            ", credentials=" + (noSignRequest ? "none" : null != accessKeyId ? "static(****)" : "default chain") +
            ", follow=" + follow + ", followPollIntervalMs=" + followPollIntervalMs + ", readChunkBytes=" +
            readChunkBytes + ", maxRecordBytes=" + maxRecordBytes + ", maxRetries=" + maxRetries + ", format=" +
            format + ", onError=" + onError + ", maxQueuedRecords=" + maxQueuedRecords + "}";
    }
}
