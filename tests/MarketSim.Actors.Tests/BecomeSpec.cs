using MarketSim.Actors;
using Xunit.Abstractions;

namespace MarketSim.Actors.Tests;

public sealed class BecomeSpec(ITestOutputHelper output) : TestKit.TestKit(output: output)
{
    private sealed class Mood : ReceiveActor
    {
        public Mood() => Happy();

        private void Happy()
        {
            Receive<string>(s => s == "how", _ => Sender.Tell("happy"));
            Receive<string>(s => s == "anger", _ => Become(Angry));
            Receive<string>(s => s == "push", _ => BecomeStacked(Angry));
        }

        private void Angry()
        {
            Receive<string>(s => s == "how", _ => Sender.Tell("angry"));
            Receive<string>(s => s == "calm", _ => Become(Happy));
            Receive<string>(s => s == "pop", _ => UnbecomeStacked());
        }

        private void Receive<T>(Predicate<T> p, Action<T> a) => Receive(a, p);
    }

    [Fact]
    public void Become_replaces_the_handlers_of_a_ReceiveActor()
    {
        var mood = Sys.ActorOf(Props.Create<Mood>());
        mood.Tell("how");
        ExpectMsg("happy");
        mood.Tell("anger");
        mood.Tell("how");
        ExpectMsg("angry");
        mood.Tell("calm");
        mood.Tell("how");
        ExpectMsg("happy");
    }

    [Fact]
    public void BecomeStacked_and_UnbecomeStacked_push_and_pop_behaviours()
    {
        var mood = Sys.ActorOf(Props.Create<Mood>());
        mood.Tell("push");
        mood.Tell("how");
        ExpectMsg("angry");
        mood.Tell("pop");
        mood.Tell("how");
        ExpectMsg("happy");
    }

    private sealed class Toggle : ActorBase
    {
        protected override bool Receive(object message)
        {
            if (message is "flip")
            {
                Become(Flipped);
                return true;
            }
            Sender.Tell("normal");
            return true;
        }

        private bool Flipped(object message)
        {
            if (message is "flip")
            {
                Become(Receive);
                return true;
            }
            Sender.Tell("flipped");
            return true;
        }
    }

    [Fact]
    public void ActorBase_Become_switches_the_receive_function()
    {
        var toggle = Sys.ActorOf(Props.Create<Toggle>());
        toggle.Tell("x");
        ExpectMsg("normal");
        toggle.Tell("flip");
        toggle.Tell("x");
        ExpectMsg("flipped");
        toggle.Tell("flip");
        toggle.Tell("x");
        ExpectMsg("normal");
    }

    private sealed class Untyped : UntypedActor
    {
        protected override void OnReceive(object message)
        {
            if (message is string s)
            {
                Sender.Tell(s.ToUpperInvariant());
            }
            else
            {
                Unhandled(message);
            }
        }
    }

    [Fact]
    public void Unhandled_messages_are_published_as_UnhandledMessage()
    {
        Sys.EventStream.Subscribe(TestActor, typeof(Event.UnhandledMessage));
        var actor = Sys.ActorOf(Props.Create<Untyped>());
        actor.Tell("a");
        ExpectMsg("A");
        actor.Tell(42);
        var u = ExpectMsg<Event.UnhandledMessage>();
        Assert.Equal(42, u.Message);
        Assert.Equal(actor, u.Recipient);
    }
}

public sealed class BecomeInConstructorSpec(ITestOutputHelper output) : TestKit.TestKit(output: output)
{
    private sealed class StartsAngry : ReceiveActor
    {
        public StartsAngry()
        {
            Receive<string>(_ => Sender.Tell("initial"));
            Become(() => Receive<string>(_ => Sender.Tell("became")));
        }
    }

    [Fact]
    public void Become_in_the_constructor_sets_the_first_behaviour()
    {
        var actor = Sys.ActorOf(Props.Create<StartsAngry>());
        actor.Tell("x");
        ExpectMsg("became");
    }
}
