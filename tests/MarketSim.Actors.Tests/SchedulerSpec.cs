using MarketSim.Actors;
using Xunit.Abstractions;

namespace MarketSim.Actors.Tests;

public sealed class VirtualTimeSchedulerSpec(ITestOutputHelper output)
    : TestKit.TestKit("akka.scheduler.implementation = virtual", output)
{
    [Fact]
    public void The_virtual_scheduler_is_selected_by_config_and_starts_at_a_fixed_time()
    {
        Assert.IsType<VirtualTimeScheduler>(Sys.Scheduler);
        Assert.Equal(VirtualTimeScheduler.DefaultStart, VirtualTime.Now);
    }

    [Fact]
    public void Due_items_fire_in_due_time_order_with_ties_in_scheduling_order()
    {
        var fired = new List<string>();
        var s = new VirtualTimeScheduler();
        s.ScheduleOnce(TimeSpan.FromSeconds(3), () => fired.Add("c@3"));
        s.ScheduleOnce(TimeSpan.FromSeconds(1), () => fired.Add("a@1"));
        s.ScheduleOnce(TimeSpan.FromSeconds(2), () => fired.Add("b1@2"));
        s.ScheduleOnce(TimeSpan.FromSeconds(2), () => fired.Add("b2@2"));
        s.ScheduleOnce(TimeSpan.FromSeconds(2), () => fired.Add("b3@2"));
        s.Advance(TimeSpan.FromMilliseconds(999));
        Assert.Empty(fired);
        s.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(["a@1", "b1@2", "b2@2", "b3@2", "c@3"], fired);
    }

    [Fact]
    public void Nothing_fires_before_its_time_and_the_clock_reports_each_due_time()
    {
        var s = new VirtualTimeScheduler();
        var start = s.Now;
        var seen = new List<TimeSpan>();
        s.ScheduleOnce(TimeSpan.FromMinutes(10), () => seen.Add(s.Now - start));
        s.Advance(TimeSpan.FromMinutes(9));
        Assert.Empty(seen);
        s.AdvanceTo(start + TimeSpan.FromMinutes(10));
        Assert.Equal([TimeSpan.FromMinutes(10)], seen);
        Assert.Equal(start + TimeSpan.FromMinutes(10), s.Now);
    }

    [Fact]
    public void Repeated_schedules_are_re_armed_and_cancel_stops_them()
    {
        var s = new VirtualTimeScheduler();
        var ticks = 0;
        var c = s.ScheduleRepeatedly(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), () => ticks++);
        s.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, ticks);
        s.Advance(TimeSpan.FromSeconds(6));
        Assert.Equal(4, ticks);
        c.Cancel();
        s.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(4, ticks);
        Assert.True(c.IsCancellationRequested);
    }

    [Fact]
    public void Items_scheduled_while_advancing_fire_when_due_inside_the_window()
    {
        var s = new VirtualTimeScheduler();
        var fired = new List<string>();
        s.ScheduleOnce(TimeSpan.FromSeconds(1), () =>
        {
            fired.Add("first");
            s.ScheduleOnce(TimeSpan.FromSeconds(1), () => fired.Add("second"));
            s.ScheduleOnce(TimeSpan.FromSeconds(10), () => fired.Add("late"));
        });
        s.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal(["first", "second"], fired);
    }

    [Fact]
    public void Cancelled_one_shot_never_fires()
    {
        var s = new VirtualTimeScheduler();
        var fired = false;
        s.ScheduleOnce(TimeSpan.FromSeconds(1), () => fired = true).Cancel();
        s.Advance(TimeSpan.FromSeconds(2));
        Assert.False(fired);
    }

    [Fact]
    public void ScheduleTell_delivers_messages_to_actors_in_due_order()
    {
        VirtualTime.ScheduleTellOnce(TimeSpan.FromSeconds(2), TestActor, "two", ActorRefs.NoSender);
        VirtualTime.ScheduleTellOnce(TimeSpan.FromSeconds(1), TestActor, "one", ActorRefs.NoSender);
        var rep = VirtualTime.ScheduleTellRepeatedly(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5), TestActor, "tick", ActorRefs.NoSender);
        ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        VirtualTime.Advance(TimeSpan.FromSeconds(10));
        ExpectMsg("one");
        ExpectMsg("two");
        ExpectMsg("tick");
        ExpectMsg("tick");
        rep.Cancel();
        VirtualTime.Advance(TimeSpan.FromSeconds(10));
        ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }
}

public sealed class WallClockSchedulerSpec(ITestOutputHelper output) : TestKit.TestKit(output: output)
{
    [Fact]
    public void ScheduleTellOnce_delivers_after_the_delay()
    {
        Sys.Scheduler.ScheduleTellOnce(TimeSpan.FromMilliseconds(50), TestActor, "later", ActorRefs.NoSender);
        ExpectMsg("later", TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void ScheduleTellRepeatedly_keeps_delivering_until_cancelled()
    {
        var c = Sys.Scheduler.ScheduleTellRepeatedly(TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(20), TestActor, "tick", ActorRefs.NoSender);
        ExpectMsg("tick", TimeSpan.FromSeconds(5));
        ExpectMsg("tick", TimeSpan.FromSeconds(5));
        c.Cancel();
        // drain what was in flight, then silence
        ReceiveWhile<object>(m => m, idle: TimeSpan.FromMilliseconds(300));
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void A_cancelled_schedule_does_not_fire()
    {
        var c = Sys.Scheduler.ScheduleTellOnce(TimeSpan.FromMilliseconds(100), TestActor, "never", ActorRefs.NoSender);
        c.Cancel();
        ExpectNoMsg(TimeSpan.FromMilliseconds(300));
    }

    [Fact]
    public void ScheduleOnce_runs_the_action()
    {
        var done = new ManualResetEventSlim();
        Sys.Scheduler.ScheduleOnce(TimeSpan.FromMilliseconds(20), done.Set);
        Assert.True(done.Wait(TimeSpan.FromSeconds(5)));
    }
}
