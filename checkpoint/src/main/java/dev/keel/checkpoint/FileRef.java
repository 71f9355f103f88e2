package dev.keel.checkpoint;

/**
 * A page file as a manifest references it: name relative to {@code checkpoints/}, size, checksum (CRC32C of
 * its header region), and the pages it supplies to the checkpoint (all of the file's pages when the
 * checkpoint wrote it, possibly fewer when inherited). Immutable.
 */
final class FileRef
{
    final String name;
    final long size;
    final int checksum;
    final int[] pageIds;
    final long[] offsets;
    final int[] crcs;

    FileRef(final String name, final long size, final int checksum, final int[] pageIds, final long[] offsets,
        final int[] crcs)
    {
        this.name = name;
        this.size = size;
        this.checksum = checksum;
        this.pageIds = pageIds;
        this.offsets = offsets;
        this.crcs = crcs;
    }

    int pageCount()
    {
        return pageIds.length;
    }

    /** The checkpoint directory (uuid) that wrote the file. */
    String ownerDirectory()
    {
        return name.substring(0, name.indexOf('/'));
    }
}
