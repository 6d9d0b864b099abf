"""segbot's composition root: settings, the Bolt app, listeners, servers, scheduler and CLI."""
