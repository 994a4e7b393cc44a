namespace MarketSim.Parquet;

/// <summary>A Parquet file is malformed, truncated or uses a feature this library does not support.</summary>
public sealed class ParquetFormatException : Exception
{
    /// <summary>A malformed-file error with <paramref name="message"/>.</summary>
    public ParquetFormatException(string message)
        : base(message)
    {
    }

    /// <summary>A malformed-file error caused by <paramref name="inner"/>.</summary>
    public ParquetFormatException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
