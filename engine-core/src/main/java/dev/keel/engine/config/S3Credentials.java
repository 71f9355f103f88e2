package dev.keel.engine.config;

/**
 * The credential keys every S3 transport takes ({@code s3_input}, Delta tables in {@code s3://}):
 * {@code aws_access_key_id} and {@code aws_secret_access_key} (both or neither: neither = the default credential
 * chain) or {@code no_sign_request} (anonymous requests, no keys). The secrets are never put in an error message.
 *
 * @param accessKeyId     the access key id, or null for the default chain or anonymous requests.
 * @param secretAccessKey the secret key, null exactly when {@code accessKeyId} is.
 * @param noSignRequest   true for anonymous requests.
 */
public record S3Credentials(String accessKeyId, String secretAccessKey, boolean noSignRequest)
{
    /**
     * Reads the credential keys of a transport's config.
     *
     * @param config the transport's {@code config} object.
     * @param path   its JSON path, for errors.
     * @return the credentials.
     * @throws ConfigException naming the key when the keys do not go together.
     */
    public static S3Credentials parse(final ConfigObject config, final String path)
    {
        final String accessKeyId = config.secret("aws_access_key_id");
        final String secret = config.secret("aws_secret_access_key");
        final boolean noSign = config.bool("no_sign_request", false);
        if (noSign && (null != accessKeyId || null != secret))
        {
            throw new ConfigException(ConfigException.INVALID, null, path + ".no_sign_request",
                "no_sign_request sends anonymous requests; remove aws_access_key_id and aws_secret_access_key");
        }
        if ((null == accessKeyId) != (null == secret))
        {
            throw new ConfigException(ConfigException.MISSING, null,
                path + (null == accessKeyId ? ".aws_access_key_id" : ".aws_secret_access_key"),
                "aws_access_key_id and aws_secret_access_key go together (neither = the default credential chain)");
        }
        return new S3Credentials(accessKeyId, secret, noSign);
    }

    public String toString()
    {
        return "S3Credentials{accessKeyId=" + (null == accessKeyId ? "none" : "<set>") + ", secretAccessKey=" +
            (null == secretAccessKey ? "none" : "<redacted>") + ", noSignRequest=" + noSignRequest + "}";
    }
}
