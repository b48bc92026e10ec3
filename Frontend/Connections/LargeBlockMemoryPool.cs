using System.Buffers;
using System.Collections.Concurrent;
using Microsoft.AspNetCore.Connections;

namespace OrleansMail.Frontend.Connections;

/// <summary>
/// Buffers of at least 64 KB for every socket read and write, client and upstream side. Kestrel's default pool
/// hands out 4 KB blocks, so each receive moves at most 4 KB: the same limit as nginx's default one-page
/// <c>proxy_buffer</c>, which caps its relay at a third of the speed it reaches with <c>proxy_buffer 64k</c>
/// (README "Benchmark"). Idle connections hold no buffer at all: Kestrel waits with a zero-byte read before renting one.
/// <para>
/// A block is allocated as Kestrel's own pool allocates its 4 KB ones (PinnedBlockMemoryPool in dotnet/aspnetcore,
/// src/Shared/Buffers.MemoryPool): pinned and uninitialized, on the Pinned Object Heap. The GC never moves it, so a block
/// a slow client holds for a partial line is never copied when it survives a collection, and only the pages written
/// become resident: a connection that has sent a few KB of a command costs those pages, not 64 KB (README "Slow and
/// hostile clients"). Returned blocks are kept for reuse, at most <see cref="MaxPooledBlocks"/>; larger buffers (the
/// relay's streaming reads) come from <see cref="ArrayPool{T}.Shared"/>.
/// </para>
/// </summary>
internal sealed class LargeBlockMemoryPool : MemoryPool<byte>
{
    public const int BlockSize = 64 * 1024;

    /// <summary>Blocks kept for reuse (16 MB): beyond it a returned block is left to the GC.</summary>
    public const int MaxPooledBlocks = 256;

    public static readonly LargeBlockMemoryPool Instance = new();

    private readonly ConcurrentQueue<byte[]> _free = new();
    private int _freeCount;

    public override int MaxBufferSize => int.MaxValue;

    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        if (minBufferSize > BlockSize) return new Block(ArrayPool<byte>.Shared.Rent(minBufferSize));
        if (_free.TryDequeue(out var block))
        {
            Interlocked.Decrement(ref _freeCount);
            return new Block(block);
        }
        return new Block(GC.AllocateUninitializedArray<byte>(BlockSize, pinned: true));
    }

    private void Return(byte[] array)
    {
        if (array.Length != BlockSize)
        {
            ArrayPool<byte>.Shared.Return(array);
            return;
        }
        if (Interlocked.Increment(ref _freeCount) <= MaxPooledBlocks) _free.Enqueue(array);
        else Interlocked.Decrement(ref _freeCount);
    }

    protected override void Dispose(bool disposing)
    {
    }

    private sealed class Block(byte[] array) : IMemoryOwner<byte>
    {
        private byte[]? _array = array;

        public Memory<byte> Memory => _array ?? throw new ObjectDisposedException(nameof(Block));

        public void Dispose()
        {
            var array = Interlocked.Exchange(ref _array, null);
            if (array is not null) Instance.Return(array);
        }
    }
}

/// <summary>Makes Kestrel's socket transport use <see cref="LargeBlockMemoryPool"/> (it resolves this factory from DI).</summary>
internal sealed class LargeBlockMemoryPoolFactory : IMemoryPoolFactory<byte>
{
    public MemoryPool<byte> Create(MemoryPoolOptions? options = null) => LargeBlockMemoryPool.Instance;
}
