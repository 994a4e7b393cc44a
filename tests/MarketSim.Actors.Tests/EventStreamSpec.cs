using MarketSim.Actors;
using Xunit.Abstractions;

namespace MarketSim.Actors.Tests;

public sealed class EventStreamSpec(ITestOutputHelper output) : TestKit.TestKit(output: output)
{
    public abstract record Animal(string Name);

    public sealed record Dog(string Name) : Animal(Name);

    public sealed record Cat(string Name) : Animal(Name);

    public interface IMarker;

    public sealed record Marked : IMarker;

    [Fact]
    public void A_subscriber_to_a_base_type_receives_its_subtypes_once()
    {
        var probe = CreateTestProbe();
        Sys.EventStream.Subscribe(probe.Ref, typeof(Animal));
        Sys.EventStream.Subscribe(probe.Ref, typeof(Dog));
        Sys.EventStream.Publish(new Dog("rex"));
        Sys.EventStream.Publish(new Cat("tom"));
        Sys.EventStream.Publish("not an animal");
        probe.ExpectMsg(new Dog("rex"));
        probe.ExpectMsg(new Cat("tom"));
        probe.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void A_subscriber_to_an_interface_receives_implementations()
    {
        Sys.EventStream.Subscribe(TestActor, typeof(IMarker));
        Sys.EventStream.Publish(new Marked());
        ExpectMsg<Marked>();
    }

    [Fact]
    public void Unsubscribe_stops_delivery()
    {
        var probe = CreateTestProbe();
        Sys.EventStream.Subscribe(probe.Ref, typeof(Animal));
        Assert.True(Sys.EventStream.Unsubscribe(probe.Ref, typeof(Animal)));
        Sys.EventStream.Publish(new Dog("rex"));
        probe.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }
}
