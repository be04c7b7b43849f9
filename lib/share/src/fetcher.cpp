// The fetcher: one coroutine per holder over a TLS connection that must show the holder's key,
// asking RangePlan for spans, reading each response body a block at a time, verifying and
// writing each block, and keeping the sidecar (BlockMap) current.
#include <mcast/share/fetcher.hpp>
#include <mcast/share/tls.hpp>

#include "transfer/block_map.hpp"
#include "transfer/range_plan.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <fcntl.h>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

namespace mcast::share {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace fs = std::filesystem;
using asio::ip::tcp;
using Stream = beast::ssl_stream<beast::tcp_stream>;
using Clock = std::chrono::steady_clock;

namespace {

std::string errno_text(int e) {
    return std::strerror(e);
}

// Whole-file write that a kill at any moment leaves old or new: temporary file, fsync, rename,
// fsync of the directory. Returns 0 or an errno.
int write_atomically(const fs::path& file, const std::string& text) {
    unsigned char rnd[6];
    RAND_bytes(rnd, sizeof rnd);
    std::string suffix = ".tmp.";
    for (auto b : rnd)
        suffix += "0123456789abcdef"[b >> 4], suffix += "0123456789abcdef"[b & 15];
    auto tmp = file;
    tmp += suffix;
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) return errno;
    std::size_t done = 0;
    int err = 0;
    while (done < text.size()) {
        auto n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            err = n < 0 ? errno : EIO;
            break;
        }
        done += static_cast<std::size_t>(n);
    }
    if (!err && ::fsync(fd) != 0) err = errno;
    ::close(fd);
    if (!err && ::rename(tmp.c_str(), file.c_str()) != 0) err = errno;
    if (err) {
        ::unlink(tmp.c_str());
        return err;
    }
    auto dir = file.parent_path().empty() ? fs::path(".") : file.parent_path();
    int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
    }
    return 0;
}

} // namespace

fs::path Fetcher::part_path(const fs::path& output) {
    auto p = output;
    p += ".mcast-part";
    return p;
}

fs::path Fetcher::sidecar_path(const fs::path& output) {
    auto p = output;
    p += ".mcast-blocks";
    return p;
}

struct Fetcher::Impl : std::enable_shared_from_this<Impl> {
    Impl(asio::io_context& io_, const TlsKey& self, Manifest m, std::vector<Holder> h,
         FetchOptions o)
        : io(io_), ctx(make_client_context(self)), manifest(std::move(m)), holders(std::move(h)),
          options(std::move(o)), wake(io_) {}

    asio::io_context& io;
    asio::ssl::context ctx;
    Manifest manifest;
    std::vector<Holder> holders;
    FetchOptions options;
    EventHandler on_event;
    DoneHandler on_done;

    int part_fd = -1;
    std::optional<RangePlan> plan;
    FetchResult result;
    std::vector<std::shared_ptr<Stream>> streams; // per holder, to close on cancel
    std::vector<std::string> gone;                // why each holder left, "" while it serves
    asio::steady_timer wake;                      // idle workers wait on it
    Clock::time_point last_checkpoint = Clock::now();
    std::size_t workers = 0;
    std::size_t recorded = 0; // blocks the sidecar on disk records
    bool finished = false;

    ~Impl() {
        if (part_fd >= 0) ::close(part_fd);
    }

    fs::path part() const { return part_path(options.output); }
    fs::path sidecar() const { return sidecar_path(options.output); }

    std::uint64_t span_length(BlockSpan span) const;
    void open_part();
    std::optional<std::string> checkpoint();
    void finish(std::optional<std::string> error);
    void progress();
    void wake_all() { wake.cancel(); }
    std::string kept() const;
    asio::awaitable<void> worker(std::size_t h);
    asio::awaitable<std::optional<std::string>> ask_span(std::size_t h, Stream& stream,
                                                         BlockSpan span);
    asio::awaitable<std::optional<std::string>> fetch_span(std::size_t h, Stream& stream,
                                                           beast::flat_buffer& buffer,
                                                           BlockSpan span,
                                                           std::optional<BlockSpan>& ahead);

    // A block read in full, checked against its hash and written on the checker thread.
    struct BlockJob {
        std::size_t block = 0;
        std::vector<std::uint8_t> data; // block_size bytes, the block's length of them in use
        bool matches = false;
        int write_error = 0;
        bool done = false; // set on the fetcher's thread
    };
    // One span's blocks in their checks, in order, and what became of the span.
    struct SpanChecks {
        std::size_t holder = 0;
        std::deque<std::shared_ptr<BlockJob>> jobs;
        std::optional<std::string> failure;
        bool released = false; // the holder's blocks went back to the plan
    };
    void check(std::shared_ptr<BlockJob> job, std::shared_ptr<SpanChecks> checks);
    void settle(SpanChecks& checks);
    // One thread, so checks run in the order they are posted: no block of a holder is written
    // after a result that ended the fetch (the final fsync and rename come after every check).
    asio::thread_pool checker{1};
    asio::steady_timer checked{io};               // cancelled as each check ends
    std::vector<std::vector<std::uint8_t>> spare; // block buffers to reuse
};

std::string Fetcher::Impl::kept() const {
    return std::to_string(recorded) + " of " + std::to_string(manifest.blocks.size()) +
           " blocks verified and kept in '" + part().string() +
           "'; run the same fetch again to resume";
}

void Fetcher::Impl::open_part() {
    std::error_code ec;
    if (!options.overwrite && fs::exists(options.output, ec))
        throw FetchError("'" + options.output.string() + "' already exists");
    part_fd = ::open(part().c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (part_fd < 0)
        throw FetchError("cannot open '" + part().string() + "': " + errno_text(errno));
    // Resume only from a sidecar of this very content and a part file of its size.
    std::optional<BlockMap> done;
    struct stat st {};
    if (::fstat(part_fd, &st) == 0 && static_cast<std::uint64_t>(st.st_size) == manifest.size) {
        std::ifstream in(sidecar(), std::ios::binary);
        if (in) {
            std::string text((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
            if (text.size() < 1 << 24) done = BlockMap::decode(text, manifest);
        }
    }
    if (!done) {
        done.emplace(manifest.blocks.size());
        if (::ftruncate(part_fd, 0) != 0 ||
            ::ftruncate(part_fd, static_cast<off_t>(manifest.size)) != 0)
            throw FetchError("cannot size '" + part().string() + "': " + errno_text(errno));
    }
    result.progress.resumed_bytes = done->bytes(manifest);
    recorded = done->count();
    result.progress.total_bytes = manifest.size;
    result.progress.blocks = manifest.blocks.size();
    auto span_blocks = std::max<std::uint64_t>(1, options.max_span_bytes / manifest.block_size);
    plan.emplace(std::move(*done), holders.size(), static_cast<std::size_t>(span_blocks));
}

std::optional<std::string> Fetcher::Impl::checkpoint() {
    last_checkpoint = Clock::now();
    // The blocks must be on disk before the sidecar says they are.
    if (::fdatasync(part_fd) != 0) return "writing '" + part().string() + "': " + errno_text(errno);
    if (int e = write_atomically(sidecar(), plan->verified_blocks().encode(manifest)))
        return "writing '" + sidecar().string() + "': " + errno_text(e);
    recorded = plan->verified_blocks().count();
    return std::nullopt;
}

void Fetcher::Impl::progress() {
    auto& p = result.progress;
    p.blocks_verified = plan->verified_blocks().count();
    p.verified_bytes = plan->verified_blocks().bytes(manifest);
    if (on_event) on_event(p);
}

void Fetcher::Impl::finish(std::optional<std::string> error) {
    if (finished) return;
    finished = true;
    for (auto& s : streams)
        if (s) beast::get_lowest_layer(*s).close();
    wake_all();
    if (!error && plan && plan->done()) {
        if (::fsync(part_fd) != 0)
            error = "writing '" + part().string() + "': " + errno_text(errno);
        else if (::rename(part().c_str(), options.output.c_str()) != 0)
            error = "cannot rename '" + part().string() + "' to '" + options.output.string() +
                    "': " + errno_text(errno);
        else {
            ::unlink(sidecar().c_str());
            auto dir =
                options.output.parent_path().empty() ? fs::path(".") : options.output.parent_path();
            int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
            if (dfd >= 0) {
                ::fsync(dfd);
                ::close(dfd);
            }
        }
    } else if (plan) {
        if (auto e = checkpoint(); e && !error) error = *e;
        if (error) *error += "; " + kept();
    }
    for (std::size_t h = 0; h < holders.size(); ++h)
        if (plan && plan->holder_bad(h)) result.bad_holders.push_back(h);
    auto done = std::move(on_done);
    if (done) {
        if (error)
            done(result, FetchError(*error));
        else
            done(result, std::nullopt);
    }
}

std::uint64_t Fetcher::Impl::span_length(BlockSpan span) const {
    std::uint64_t length = 0;
    for (std::size_t b = span.first; b < span.first + span.count; ++b)
        length += manifest.block_length(b);
    return length;
}

// Sends the request for a span (its answer is read by fetch_span).
asio::awaitable<std::optional<std::string>> Fetcher::Impl::ask_span(std::size_t h, Stream& stream,
                                                                    BlockSpan span) {
    boost::system::error_code ec;
    const auto first = manifest.block_offset(span.first);
    const auto last = first + span_length(span) - 1;
    http::request<http::empty_body> req{http::verb::get, "/h/" + digest_hex(manifest.root), 11};
    req.set(http::field::host, holders[h].endpoint.address().to_string());
    req.set(http::field::user_agent, "mcast");
    req.set(http::field::range, "bytes=" + std::to_string(first) + "-" + std::to_string(last));
    beast::get_lowest_layer(stream).expires_after(options.io_timeout);
    co_await http::async_write(stream, req, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return ec.message();
    co_return std::nullopt;
}

// Reads the answer to a span asked for. Once its header is in, the next span is asked for too
// (`ahead`), so that the holder goes on from one answer to the next without waiting a round
// trip for each request: the answers of a connection come in the order of its requests.
asio::awaitable<std::optional<std::string>>
Fetcher::Impl::fetch_span(std::size_t h, Stream& stream, beast::flat_buffer& buffer, BlockSpan span,
                          std::optional<BlockSpan>& ahead) {
    boost::system::error_code ec;
    const auto first = manifest.block_offset(span.first);
    const std::uint64_t length = span_length(span);
    const auto last = first + length - 1;

    http::response_parser<http::buffer_body> parser;
    parser.body_limit(length);
    // A span asked for ahead was asked long ago: the wait for its answer starts now.
    beast::get_lowest_layer(stream).expires_after(options.io_timeout);
    co_await http::async_read_header(stream, buffer, parser,
                                     asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return ec.message();
    const auto& res = parser.get();
    auto expect_range = "bytes " + std::to_string(first) + "-" + std::to_string(last) + "/" +
                        std::to_string(manifest.size);
    bool whole = res.result() == http::status::ok && first == 0 && length == manifest.size;
    if (!whole && (res.result() != http::status::partial_content ||
                   res[http::field::content_range] != expect_range))
        co_return "answered " + std::to_string(res.result_int()) + " " + std::string(res.reason());
    if (!parser.content_length() || *parser.content_length() != length)
        co_return std::string("answered a body of the wrong length");
    if (options.ask_ahead && !ahead && !finished && !(options.hold_back && options.hold_back()))
        if (auto next = plan->next(h, true)) {
            if (auto e = co_await ask_span(h, stream, *next)) co_return e;
            ahead = next;
        }

    // Blocks are checked and written on the checker thread while the next ones arrive; each
    // result is taken as soon as it and those before it are in (settle(), in order), so the
    // plan, the sidecar and progress see blocks as before.
    auto checks = std::make_shared<SpanChecks>();
    checks->holder = h;
    // Read ahead of the checks: up to 4 blocks, at most 16 MiB, at least one.
    const std::size_t ahead_blocks =
        std::clamp<std::size_t>((16u << 20) / manifest.block_size, 1, 4);
    auto wait_checks = [&]() -> asio::awaitable<void> {
        // Armed once and only cancelled: re-arming would cancel other workers' waits.
        if (checked.expiry() != Clock::time_point::max())
            checked.expires_at(Clock::time_point::max());
        co_await checked.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    };

    std::size_t b = span.first;
    std::uint64_t fill = 0;
    std::vector<std::uint8_t> block;
    while (b < span.first + span.count) {
        if (block.empty()) {
            while (checks->jobs.size() >= ahead_blocks && !checks->failure && !finished)
                co_await wait_checks();
            if (checks->failure || finished) break;
            if (spare.empty()) spare.emplace_back(manifest.block_size);
            block = std::move(spare.back());
            spare.pop_back();
        }
        const auto want = manifest.block_length(b);
        auto& body = parser.get().body();
        body.data = block.data() + fill;
        body.size = static_cast<std::size_t>(want - fill);
        beast::get_lowest_layer(stream).expires_after(options.io_timeout);
        co_await http::async_read(stream, buffer, parser,
                                  asio::redirect_error(asio::use_awaitable, ec));
        if (ec == http::error::need_buffer) ec = {};
        if (finished || checks->failure) break;
        if (ec) {
            checks->failure = ec.message();
            break;
        }
        auto got = (want - fill) - body.size;
        fill += got;
        result.progress.transferred_bytes += got;
        if (fill < want) {
            if (parser.is_done()) {
                checks->failure = "ended its answer early";
                break;
            }
            continue;
        }
        auto job = std::make_shared<BlockJob>();
        job->block = b;
        job->data = std::move(block);
        block = {};
        checks->jobs.push_back(job);
        check(job, checks);
        ++b;
        fill = 0;
    }
    if (!block.empty()) spare.push_back(std::move(block));
    while (!checks->jobs.empty()) // blocks already read are checked and kept even after a failure
        co_await wait_checks();
    if (finished) co_return std::nullopt;
    co_return checks->failure;
}

void Fetcher::Impl::settle(SpanChecks& c) {
    const auto h = c.holder;
    while (!c.jobs.empty() && c.jobs.front()->done) {
        auto job = std::move(c.jobs.front());
        c.jobs.pop_front();
        spare.push_back(std::move(job->data));
        // Once the holder's blocks went back to the plan, none of its later results counts.
        if (finished || c.released) continue;
        if (!job->matches) {
            plan->bad(h, job->block); // the holder is out, its blocks go back
            c.released = true;
            if (on_event) on_event(BadBlock{h, job->block});
            c.failure =
                "served block " + std::to_string(job->block) + " that does not match its hash";
            continue;
        }
        if (job->write_error) {
            plan->release(h, false);
            c.released = true;
            finish("writing '" + part().string() + "': " + errno_text(job->write_error));
            continue;
        }
        plan->verified(h, job->block);
        progress();
        if (Clock::now() - last_checkpoint >= options.checkpoint_interval)
            if (auto e = checkpoint()) finish(*e);
    }
}

void Fetcher::Impl::check(std::shared_ptr<BlockJob> job, std::shared_ptr<SpanChecks> checks) {
    // checks is only carried through this thread, never touched here.
    asio::post(
        checker, [this, job, checks = std::move(checks), self = shared_from_this()]() mutable {
            const auto length = static_cast<std::size_t>(manifest.block_length(job->block));
            job->matches = manifest.verify_block(job->block, ByteView(job->data.data(), length));
            if (job->matches) {
                std::size_t written = 0;
                const auto at = manifest.block_offset(job->block);
                while (written < length) {
                    auto n = ::pwrite(part_fd, job->data.data() + written, length - written,
                                      static_cast<off_t>(at + written));
                    if (n < 0 && errno == EINTR) continue;
                    if (n <= 0) {
                        job->write_error = n < 0 ? errno : EIO;
                        break;
                    }
                    written += static_cast<std::size_t>(n);
                }
            }
            // Back on the fetcher's own thread; the last reference to Impl never ends here.
            asio::post(io, [job, checks = std::move(checks), self = std::move(self)] {
                job->done = true;
                self->settle(*checks);
                self->checked.cancel();
            });
        });
}

asio::awaitable<void> Fetcher::Impl::worker(std::size_t h) {
    auto self = shared_from_this();
    ++workers;
    const auto& holder = holders[h];
    boost::system::error_code ec;
    std::string why;

    auto stream = std::make_shared<Stream>(io, ctx);
    streams[h] = stream;
    stream->set_verify_callback(expect_server_id(holder.node));
    beast::get_lowest_layer(*stream).expires_after(options.connect_timeout);
    co_await beast::get_lowest_layer(*stream).async_connect(
        holder.endpoint, asio::redirect_error(asio::use_awaitable, ec));
    if (!ec)
        co_await stream->async_handshake(asio::ssl::stream_base::client,
                                         asio::redirect_error(asio::use_awaitable, ec));
    if (ec == asio::error::operation_aborted || ec == beast::error::timeout)
        why = "did not answer in time";
    else if (ec.category() == asio::error::get_ssl_category() &&
             ERR_GET_REASON(static_cast<unsigned long>(ec.value())) ==
                 SSL_R_CERTIFICATE_VERIFY_FAILED)
        why = "showed another key than the one expected (the key of its search answer)";
    else if (ec)
        why = ec.message();
    // Room for a whole TLS record (16 KiB) per read: Beast reads into what the buffer has free,
    // at least 512 bytes, and an unreserved buffer made a read, and a turn of the event loop, of
    // every 512 bytes (about 33 per record).
    beast::flat_buffer buffer;
    buffer.reserve(64 * 1024);
    asio::steady_timer pause(io);   // this worker's own: the shared `wake` is for idle ones
    std::optional<BlockSpan> ahead; // asked for already, while the last answer came in
    while (why.empty() && !finished) {
        auto span = std::exchange(ahead, std::nullopt);
        if (span) {
            if (auto e = co_await fetch_span(h, *stream, buffer, *span, ahead)) why = *e;
            continue;
        }
        if (options.hold_back && options.hold_back()) {
            pause.expires_after(std::chrono::milliseconds(200));
            co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
            continue;
        }
        span = plan->next(h);
        if (!span) {
            if (plan->done() || plan->holder_out(h) || plan->stuck()) break;
            // Others hold the rest; wait until one of them gives something back or finishes.
            // Re-arming would cancel the other idle workers' waits (and theirs ours): only once.
            if (wake.expiry() != Clock::time_point::max())
                wake.expires_at(Clock::time_point::max());
            co_await wake.async_wait(asio::redirect_error(asio::use_awaitable, ec));
            continue;
        }
        if (auto e = co_await ask_span(h, *stream, *span))
            why = *e;
        else if (auto f = co_await fetch_span(h, *stream, buffer, *span, ahead))
            why = *f;
    }
    --workers;
    if (finished) co_return;
    if (!why.empty()) {
        plan->release(h, true);
        gone[h] = why;
        if (on_event) on_event(HolderGone{h, why});
        wake_all();
    }
    if (plan->done()) {
        finish(std::nullopt);
    } else if (workers == 0 || plan->stuck()) {
        // Nobody left to fetch what is missing.
        std::string reasons;
        for (std::size_t i = 0; i < holders.size(); ++i)
            if (!gone[i].empty())
                reasons += (reasons.empty() ? "" : "; ") + std::string("holder ") +
                           holders[i].name + " " + gone[i];
        if (workers == 0 || plan->in_flight() == 0)
            finish("no holder left to fetch from (" + reasons + ")");
    }
}

Fetcher::Fetcher(asio::io_context& io, const TlsKey& self, Manifest manifest,
                 std::vector<Holder> holders, FetchOptions options) {
    if (!manifest.consistent())
        throw FetchError("the manifest's block hashes do not make its root");
    if (holders.empty()) throw FetchError("no holder to fetch from");
    if (options.output.empty()) throw FetchError("no output file");
    impl_ = std::make_shared<Impl>(io, self, std::move(manifest), std::move(holders),
                                   std::move(options));
}

Fetcher::~Fetcher() {
    if (impl_ && !impl_->finished) {
        impl_->on_done = nullptr;
        impl_->finish("interrupted");
    }
    // No check may still be writing, or post to an io_context about to go, once this returns.
    if (impl_) impl_->checker.join();
}

void Fetcher::start(EventHandler on_event, DoneHandler done) {
    auto& d = *impl_;
    d.on_event = std::move(on_event);
    d.on_done = std::move(done);
    try {
        d.open_part();
    } catch (const FetchError& e) {
        d.finished = true;
        if (d.on_done) d.on_done(d.result, e);
        return;
    }
    d.progress();
    if (d.plan->done()) {
        asio::post(d.io, [impl = impl_] { impl->finish(std::nullopt); });
        return;
    }
    d.streams.resize(d.holders.size());
    d.gone.resize(d.holders.size());
    for (std::size_t h = 0; h < d.holders.size(); ++h)
        asio::co_spawn(d.io, d.worker(h), asio::detached);
}

void Fetcher::cancel() {
    impl_->finish("interrupted");
}

void Fetcher::want(std::size_t block) {
    if (impl_->plan) impl_->plan->want(block);
}

bool Fetcher::verified(std::size_t block) const {
    return impl_->plan && block < impl_->plan->verified_blocks().size() &&
           impl_->plan->verified_blocks().has(block);
}

const Manifest& Fetcher::manifest() const {
    return impl_->manifest;
}

namespace {

asio::awaitable<std::string> ask_manifest(asio::ssl::context& ctx, const Holder& holder,
                                          const Digest& root, std::uint64_t size,
                                          std::uint32_t block_size,
                                          std::chrono::milliseconds timeout,
                                          std::optional<Manifest>& out) {
    auto ex = co_await asio::this_coro::executor;
    Stream stream(ex, ctx);
    stream.set_verify_callback(expect_server_id(holder.node));
    boost::system::error_code ec;
    beast::get_lowest_layer(stream).expires_after(timeout);
    co_await beast::get_lowest_layer(stream).async_connect(
        holder.endpoint, asio::redirect_error(asio::use_awaitable, ec));
    if (!ec)
        co_await stream.async_handshake(asio::ssl::stream_base::client,
                                        asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return ec.message();
    http::request<http::empty_body> req{http::verb::get, "/m/" + digest_hex(root), 11};
    req.set(http::field::host, holder.endpoint.address().to_string());
    req.set(http::field::connection, "close");
    co_await http::async_write(stream, req, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return ec.message();
    auto blocks = block_count(size, block_size);
    http::response_parser<http::string_body> parser;
    parser.body_limit(blocks * 32);
    beast::flat_buffer buffer;
    co_await http::async_read(stream, buffer, parser,
                              asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return ec.message();
    const auto& res = parser.get();
    if (res.result() != http::status::ok)
        co_return "answered " + std::to_string(res.result_int()) + " " + std::string(res.reason());
    Manifest m;
    m.size = size;
    m.block_size = block_size;
    m.root = root;
    const auto& body = res.body();
    if (body.size() != blocks * 32) co_return std::string("sent block hashes of the wrong length");
    m.blocks.resize(static_cast<std::size_t>(blocks));
    for (std::size_t i = 0; i < m.blocks.size(); ++i)
        std::memcpy(m.blocks[i].data(), body.data() + i * 32, 32);
    if (!m.consistent()) co_return std::string("sent block hashes that do not make the root");
    out = std::move(m);
    beast::get_lowest_layer(stream).close();
    co_return std::string();
}

} // namespace

Manifest fetch_manifest(const TlsKey& self, const std::vector<Holder>& holders, const Digest& root,
                        std::uint64_t size, std::uint32_t block_size,
                        std::chrono::milliseconds timeout) {
    auto ctx = make_client_context(self);
    std::string reasons;
    for (const auto& h : holders) {
        asio::io_context io;
        std::optional<Manifest> m;
        std::string why;
        asio::co_spawn(io, ask_manifest(ctx, h, root, size, block_size, timeout, m),
                       [&](std::exception_ptr e, std::string r) {
                           why = e ? std::string("failed") : std::move(r);
                       });
        io.run();
        if (m) return *m;
        reasons += (reasons.empty() ? "" : "; ") + std::string("holder ") + h.name + " " + why;
    }
    throw FetchError("cannot get the block hashes of " + digest_hex(root).substr(0, 16) + " (" +
                     reasons + ")");
}

FetchResult fetch_file(const TlsKey& self, Manifest manifest, std::vector<Holder> holders,
                       FetchOptions options, Fetcher::EventHandler on_event) {
    asio::io_context io;
    Fetcher f(io, self, std::move(manifest), std::move(holders), std::move(options));
    FetchResult out;
    std::optional<FetchError> error;
    f.start(std::move(on_event), [&](const FetchResult& r, std::optional<FetchError> e) {
        out = r;
        error = std::move(e);
    });
    io.run();
    if (error) throw *error;
    return out;
}

} // namespace mcast::share
