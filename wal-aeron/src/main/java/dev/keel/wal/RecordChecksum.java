package dev.keel.wal;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * CRC32C of an encoded step record, skipping the 4-byte checksum field itself.
 * <p>
 * Works on a direct {@link ByteBuffer} owned by the caller (so the JDK intrinsic reads memory in place) and
 * allocates nothing: {@code java.util.zip.CRC32C} is used rather than Agrona's {@code Crc32c} because the
 * latter needs {@code --add-opens java.base/java.util.zip}, a flag Keel does not ask its hosts for.
 */
final class RecordChecksum
{
    private final CRC32C crc = new CRC32C();

    /**
     * @param buffer         holding the message; its position and limit are clobbered.
     * @param offset         of the message (its SBE message header) in the buffer.
     * @param length         of the message.
     * @param checksumOffset of the checksum field relative to {@code offset}.
     * @return the checksum as an unsigned 32-bit value.
     */
    long compute(final ByteBuffer buffer, final int offset, final int length, final int checksumOffset)
    {
        crc.reset();
        buffer.clear().limit(offset + checksumOffset).position(offset);
        crc.update(buffer);
        buffer.clear().limit(offset + length).position(offset + checksumOffset + Integer.BYTES);
        crc.update(buffer);
        buffer.clear();

        return crc.getValue();
    }
}
