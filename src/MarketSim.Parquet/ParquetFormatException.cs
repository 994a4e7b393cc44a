namespace MarketSim.Parquet;

/// <summary>A Parquet file is malformed, truncated or uses a feature this library does not support.</summary>
public sealed class ParquetFormatException : Exception
{
    public ParquetFormatException(string message)
        : base(message)
    {
    }

    public ParquetFormatException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
