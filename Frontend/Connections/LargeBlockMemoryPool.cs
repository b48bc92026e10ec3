using System.Buffers;
using Microsoft.AspNetCore.Connections;

namespace OrleansMail.Frontend.Connections;

/// <summary>
/// Buffers of at least 64 KB for every socket read and write, client and upstream side. Kestrel's default pool
/// hands out 4 KB blocks, so each receive moves at most 4 KB: the same limit as nginx's default one-page
/// <c>proxy_buffer</c>, which caps its relay at a third of the speed it reaches with <c>proxy_buffer 64k</c>
/// (README "Benchmark"). Idle connections hold no buffer at all: Kestrel waits with a zero-byte read before renting one.
/// Arrays come from <see cref="ArrayPool{T}.Shared"/>, which keeps a bounded number per core.
/// </summary>
internal sealed class LargeBlockMemoryPool : MemoryPool<byte>
{
    public const int BlockSize = 64 * 1024;

    public static readonly LargeBlockMemoryPool Instance = new();

    public override int MaxBufferSize => int.MaxValue;

    public override IMemoryOwner<byte> Rent(int minBufferSize = -1) =>
        new Block(ArrayPool<byte>.Shared.Rent(Math.Max(minBufferSize, BlockSize)));

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
            if (array is not null) ArrayPool<byte>.Shared.Return(array);
        }
    }
}

/// <summary>Makes Kestrel's socket transport use <see cref="LargeBlockMemoryPool"/> (it resolves this factory from DI).</summary>
internal sealed class LargeBlockMemoryPoolFactory : IMemoryPoolFactory<byte>
{
    public MemoryPool<byte> Create(MemoryPoolOptions? options = null) => LargeBlockMemoryPool.Instance;
}
