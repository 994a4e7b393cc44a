// The specs share the process-wide "last created actor system" that Futures.Ask falls back to; run them one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
