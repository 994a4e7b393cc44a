using MarketSim.Actors;
using MarketSim.TestKit;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace MarketSim.TestKit.Tests;

public sealed class EchoActor : ReceiveActor
{
    public EchoActor() => ReceiveAny(m => Sender.Tell(m));
}

public sealed class ExpectationSpec(ITestOutputHelper output) : TestKit("akka.test.filter-leeway = 300ms", output)
{
    [Fact]
    public void ExpectMsg_timeout_fails_with_a_clear_message()
    {
        var ex = Assert.ThrowsAny<XunitException>(() => ExpectMsg<string>(TimeSpan.FromMilliseconds(100)));
        Assert.Equal("Timeout (0.10s) while expecting message of type String", ex.Message);
    }

    [Fact]
    public void ExpectMsg_of_the_wrong_type_names_what_arrived()
    {
        TestActor.Tell(42);
        var ex = Assert.ThrowsAny<XunitException>(() => ExpectMsg<string>());
        Assert.Contains("Int32", ex.Message);
        Assert.Contains("<42>", ex.Message);
    }

    [Fact]
    public void ExpectMsg_by_value_and_predicate()
    {
        TestActor.Tell("a");
        TestActor.Tell("bb");
        ExpectMsg("a");
        Assert.Equal("bb", ExpectMsg<string>(s => s.Length == 2));
        TestActor.Tell("c");
        Assert.ThrowsAny<XunitException>(() => ExpectMsg("d"));
    }

    [Fact]
    public void ExpectNoMsg_fails_when_a_message_arrives()
    {
        TestActor.Tell("surprise");
        var ex = Assert.ThrowsAny<XunitException>(() => ExpectNoMsg(TimeSpan.FromMilliseconds(200)));
        Assert.Contains("surprise", ex.Message);
    }

    [Fact]
    public void ExpectNoMsg_passes_when_silent()
    {
        ExpectNoMsg(TimeSpan.FromMilliseconds(50));
    }

    [Fact]
    public void Within_fails_when_the_block_is_too_slow()
    {
        var ex = Assert.ThrowsAny<XunitException>(() => Within(TimeSpan.FromMilliseconds(100), () => Thread.Sleep(400)));
        Assert.Contains("exceeding", ex.Message);
    }

    [Fact]
    public void Within_fails_when_the_block_is_too_fast()
    {
        var ex = Assert.ThrowsAny<XunitException>(() => Within(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5), () => { }));
        Assert.Contains("should at least have been", ex.Message);
    }

    [Fact]
    public void Expectations_inside_Within_share_the_remaining_budget()
    {
        Within(TimeSpan.FromSeconds(10), () =>
        {
            Assert.True(Remaining <= TimeSpan.FromSeconds(10));
            Assert.True(RemainingOrDefault > TimeSpan.FromSeconds(3));
            Within(TimeSpan.FromMilliseconds(300), () => Assert.True(Remaining <= TimeSpan.FromMilliseconds(300)));
        });
        Assert.Throws<InvalidOperationException>(() => Remaining);
        Assert.Equal(TimeSpan.FromSeconds(3), RemainingOrDefault);
    }

    [Fact]
    public void A_timeout_inside_Within_uses_the_remaining_time()
    {
        var ex = Assert.ThrowsAny<XunitException>(() => Within(TimeSpan.FromMilliseconds(200), () => ExpectMsg<string>()));
        Assert.StartsWith("Timeout (0.", ex.Message);
    }

    [Fact]
    public void AwaitAssert_retries_until_the_assertion_passes()
    {
        var attempts = 0;
        AwaitAssert(() =>
        {
            attempts++;
            Assert.True(attempts >= 3);
        }, TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(10));
        Assert.Equal(3, attempts);
    }

    [Fact]
    public void AwaitAssert_rethrows_the_last_failure_after_the_deadline()
    {
        Assert.ThrowsAny<XunitException>(() => AwaitAssert(() => Assert.Fail("never"), TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(20)));
    }

    [Fact]
    public void AwaitCondition_fails_after_the_deadline()
    {
        var ex = Assert.ThrowsAny<XunitException>(() => AwaitCondition(() => false, TimeSpan.FromMilliseconds(100)));
        Assert.Contains("waiting for condition", ex.Message);
    }

    [Fact]
    public void FishForMessage_skips_messages_until_one_matches()
    {
        TestActor.Tell(1);
        TestActor.Tell(2);
        TestActor.Tell(3);
        TestActor.Tell(4);
        Assert.Equal(3, FishForMessage(m => m is 3));
        ExpectMsg(4);
    }

    [Fact]
    public void ReceiveN_ReceiveWhile_and_ExpectMsgAllOf()
    {
        for (var i = 0; i < 5; i++)
        {
            TestActor.Tell(i);
        }
        Assert.Equal([0, 1], ReceiveN(2).Cast<int>());
        var small = ReceiveWhile<object>(m => m is int i && i < 3 ? m : null);
        Assert.Equal([2], small.Cast<int>());
        ExpectMsgAllOf(4, 3);
        TestActor.Tell("x");
        ExpectMsgAnyOf("y", "x");
    }

    [Fact]
    public void ExpectMsgFrom_checks_the_sender()
    {
        var echo = Sys.ActorOf(Props.Create<EchoActor>());
        echo.Tell("hi");
        ExpectMsgFrom<string>(echo);
        TestActor.Tell("self", ActorRefs.Nobody);
        Assert.ThrowsAny<XunitException>(() => ExpectMsgFrom<string>(echo));
    }

    [Fact]
    public void Watch_and_ExpectTerminated()
    {
        var echo = Sys.ActorOf(Props.Create<EchoActor>());
        Watch(echo);
        echo.Tell(PoisonPill.Instance);
        ExpectTerminated(echo);
    }

    [Fact]
    public void EventFilter_ExpectOne_fails_when_no_matching_log_arrives()
    {
        var ex = Assert.ThrowsAny<XunitException>(() => EventFilter.Error<InvalidOperationException>().ExpectOne(() => { }));
        Assert.Contains("Error<InvalidOperationException>", ex.Message);
        Assert.Contains("received 0", ex.Message);
    }

    [Fact]
    public void EventFilter_Expect_fails_when_too_many_match()
    {
        var ex = Assert.ThrowsAny<XunitException>(() => EventFilter.Warning(contains: "twice").ExpectOne(() =>
        {
            Sys.Log.Warning("twice 1");
            Sys.Log.Warning("twice 2");
        }));
        Assert.Contains("too many", ex.Message);
    }

    [Fact]
    public void EventFilter_matches_message_start_contains_and_counts()
    {
        EventFilter.Info(message: "exact").ExpectOne(() => Sys.Log.Info("exact"));
        EventFilter.Info(start: "sta").Expect(2, () =>
        {
            Sys.Log.Info("start 1");
            Sys.Log.Info("start 2");
        });
        using (EventFilter.Warning().Mute())
        {
            Sys.Log.Warning("muted");
        }
    }
}

public sealed class TimeFactorSpec() : TestKit("akka.test.timefactor = 2.0")
{
    [Fact]
    public void Timeouts_are_dilated_by_the_timefactor()
    {
        Assert.Equal(2.0, TestKitSettings.TimeFactor);
        Assert.Equal(TimeSpan.FromSeconds(2), Dilated(TimeSpan.FromSeconds(1)));
        Assert.Equal(TimeSpan.FromSeconds(6), RemainingOrDefault);
        var ex = Assert.ThrowsAny<XunitException>(() => ExpectMsg<string>(TimeSpan.FromMilliseconds(100)));
        Assert.Contains("(0.20s)", ex.Message);
    }
}

public sealed class SettingsSpec
{
    [Fact]
    public void Reference_defaults_follow_akka()
    {
        var s = TestKitSettings.FromConfig(MarketSim.Hocon.ConfigFactory.Reference());
        Assert.Equal(TimeSpan.FromSeconds(3), s.SingleExpectDefault);
        Assert.Equal(TimeSpan.FromSeconds(5), s.DefaultTimeout);
        Assert.Equal(TimeSpan.FromSeconds(3), s.FilterLeeway);
        Assert.Equal(1.0, s.TimeFactor);
    }
}

public sealed class ProbeSpec(ITestOutputHelper output) : TestKit(ActorSystemSettings.Default, output)
{
    [Fact]
    public void A_probe_has_its_own_queue_and_can_send_reply_and_forward()
    {
        var probe = CreateTestProbe("p1");
        var echo = Sys.ActorOf(Props.Create<EchoActor>());
        probe.Send(echo, "ping");
        probe.ExpectMsg("ping");
        Assert.Equal(echo, probe.LastSender);
        ExpectNoMsg(TimeSpan.FromMilliseconds(50));

        probe.Tell("question", TestActor);
        probe.ExpectMsg("question");
        probe.Reply("answer");
        ExpectMsg("answer");
        Assert.Equal(probe.Ref, LastSender);

        var other = CreateTestProbe();
        probe.Tell("fwd", TestActor);
        probe.ExpectMsg("fwd");
        probe.Forward(other.Ref);
        other.ExpectMsg("fwd");
        Assert.Equal(TestActor, other.LastSender);
    }

    [Fact]
    public void An_auto_pilot_answers_for_the_probe()
    {
        var probe = CreateTestProbe();
        probe.SetAutoPilot(new DelegateAutoPilot((sender, msg) =>
        {
            sender.Tell($"auto:{msg}", ActorRefs.Nobody);
            return AutoPilot.KeepRunning;
        }));
        probe.Tell("a", TestActor);
        probe.Tell("b", TestActor);
        ExpectMsg("auto:a");
        ExpectMsg("auto:b");
        probe.ExpectMsg("a");
    }

    [Fact]
    public void A_probe_watches_and_expects_termination()
    {
        var probe = CreateTestProbe();
        var echo = Sys.ActorOf(Props.Create<EchoActor>());
        probe.Watch(echo);
        Sys.Stop(echo);
        probe.ExpectTerminated(echo);
    }
}

public sealed class VirtualTimeSpec() : TestKit("akka.scheduler.implementation = virtual")
{
    [Fact]
    public void VirtualTime_advances_the_test_scheduler()
    {
        Scheduler.ScheduleTellOnce(TimeSpan.FromHours(1), TestActor, "an hour later", ActorRefs.NoSender);
        ExpectNoMsg(TimeSpan.FromMilliseconds(50));
        VirtualTime.Advance(TimeSpan.FromHours(1));
        ExpectMsg("an hour later");
    }

    [Fact]
    public void Disposing_terminates_the_system()
    {
        var kit = new Disposable();
        kit.Dispose();
        Assert.True(kit.Sys.WhenTerminated.IsCompleted);
    }

    private sealed class Disposable() : TestKit(ActorSystemSettings.Default);
}

public sealed class AsyncExpectationSpec(ITestOutputHelper output) : TestKit(ActorSystemSettings.Default, output)
{
    [Fact]
    public async Task Async_twins_wait_without_blocking()
    {
        var echo = Sys.ActorOf(Props.Create<EchoActor>());
        echo.Tell("one", TestActor);
        Assert.Equal("one", await ExpectMsgAsync<string>());
        echo.Tell(2, TestActor);
        await ExpectMsgAsync(2);
        await ExpectNoMsgAsync(TimeSpan.FromMilliseconds(50));
        var ex = await Assert.ThrowsAnyAsync<XunitException>(() => ExpectMsgAsync<string>(TimeSpan.FromMilliseconds(100)));
        Assert.Equal("Timeout (0.10s) while expecting message of type String", ex.Message);
        echo.Tell("x", TestActor);
        echo.Tell("y", TestActor);
        Assert.Equal("y", await FishForMessageAsync<string>(s => s == "y"));
        Watch(echo);
        Sys.Stop(echo);
        await ExpectTerminatedAsync(echo);
        Assert.Null(await ReceiveOneAsync(TimeSpan.FromMilliseconds(20)));
    }
}
