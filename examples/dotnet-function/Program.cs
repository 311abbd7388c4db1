// An ASP.NET minimal function that logs its configuration (a secret included, on purpose) and stops cleanly on SIGTERM.
var builder = WebApplication.CreateBuilder(args);

// JSON console logs in production (what log collectors parse), the readable format in development.
builder.Logging.ClearProviders();
if (builder.Environment.IsProduction()) builder.Logging.AddJsonConsole();
else builder.Logging.AddSimpleConsole(o => o.SingleLine = true);

var app = builder.Build();
var config = app.Configuration;
var company = config["COMPANY_NAME"] ?? "Acme Corp";
// IConfiguration reads environment variables: the entrypoint put the variables and secrets there.
var stripeKey = config["STRIPE_SECRET_KEY"] ?? throw new InvalidOperationException("STRIPE_SECRET_KEY is required");

// Deliberately careless, once plain and once structured: this is what the entrypoint's redactor is for.
Console.WriteLine($"environment: {app.Environment.EnvironmentName}; company: {company}; Stripe key: {stripeKey}");
app.Logger.LogInformation("Configuration loaded for {Company} with Stripe key {StripeKey}", company, stripeKey);

// A credential learned at run time (a real function would fetch an OAuth access token): registered, then logged.
var accessToken = $"at-{Guid.NewGuid()}";
MaskChannel.Register("ACCESS_TOKEN", accessToken);
Console.WriteLine($"fetched an access token: {accessToken}");

app.MapGet("/", () => Results.Json(new { hello = company }));

// ASP.NET's console lifetime turns SIGTERM (docker stop) and SIGINT into a graceful shutdown, then Run returns.
app.Lifetime.ApplicationStopping.Register(() => app.Logger.LogInformation("Stopping: draining requests"));
app.Run();
Console.WriteLine("stopped cleanly");

/// <summary>Has sinch-entrypoint mask a value from now on, as it masks the secrets it gave us (nothing without it).</summary>
static class MaskChannel
{
    public static void Register(string name, string value)
    {
        // Our fd 3 is a socket to the entrypoint, named by SINCH_ENTRYPOINT_MASK_FD: one JSON line per value.
        if (!int.TryParse(Environment.GetEnvironmentVariable("SINCH_ENTRYPOINT_MASK_FD"), out var fd) || fd <= 0) return;
        using var socket = new System.Net.Sockets.Socket(new System.Net.Sockets.SafeSocketHandle((IntPtr)fd, ownsHandle: false));
        socket.Send(System.Text.Encoding.UTF8.GetBytes(System.Text.Json.JsonSerializer.Serialize(new { name, value }) + "\n"));
    }
}
