package dev.keel.sync;

/**
 * A bucket and the key prefix inside it, parsed from a {@code bucket} setting such as
 * {@code my-bucket/checkpoints}.
 *
 * @param name   the bucket name.
 * @param prefix the key prefix without leading or trailing slash, empty for the bucket root.
 */
public record BucketPath(String name, String prefix)
{
    /**
     * Parse {@code name[/prefix[/]]}; the value is assumed valid ({@link SyncSettings} validates it).
     *
     * @param value the setting.
     * @return the bucket and prefix.
     */
    public static BucketPath parse(final String value)
    {
        final int slash = value.indexOf('/');
        if (slash < 0)
        {
            return new BucketPath(value, "");
        }
        String prefix = value.substring(slash + 1);
        if (prefix.endsWith("/"))
        {
            prefix = prefix.substring(0, prefix.length() - 1);
        }
        return new BucketPath(value.substring(0, slash), prefix);
    }

    /**
     * The object key of a name relative to the prefix.
     *
     * @param relative a key relative to the prefix, without leading slash.
     * @return the full object key.
     */
    public String key(final String relative)
    {
        return prefix.isEmpty() ? relative : prefix + "/" + relative;
    }

    /**
     * The {@code s3://bucket/prefix} form, for messages.
     *
     * @return the URL form.
     */
    public String toString()
    {
        return prefix.isEmpty() ? "s3://" + name : "s3://" + name + "/" + prefix;
    }
}
