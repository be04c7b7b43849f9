// The names and the reverse look-up of the registry in message_type.hpp.
#include <mcast/message_type.hpp>

namespace mcast {

std::optional<MessageType> message_type(std::uint8_t byte) {
    if (byte >= type_byte(MessageType::data) && byte <= type_byte(MessageType::search_answer))
        return static_cast<MessageType>(byte);
    return std::nullopt;
}

std::string_view to_string(MessageType t) {
    switch (t) {
    case MessageType::data:
        return "data";
    case MessageType::announce:
        return "announce";
    case MessageType::goodbye:
        return "goodbye";
    case MessageType::query:
        return "query";
    case MessageType::answer:
        return "answer";
    case MessageType::ping_probe:
        return "ping_probe";
    case MessageType::ping_reply:
        return "ping_reply";
    case MessageType::speed_data:
        return "speed_data";
    case MessageType::speed_end:
        return "speed_end";
    case MessageType::speed_report:
        return "speed_report";
    case MessageType::pair_request:
        return "pair_request";
    case MessageType::pair_response:
        return "pair_response";
    case MessageType::pair_reveal:
        return "pair_reveal";
    case MessageType::pair_confirm:
        return "pair_confirm";
    case MessageType::weather_report:
        return "weather_report";
    case MessageType::search_query:
        return "search_query";
    case MessageType::search_answer:
        return "search_answer";
    }
    return "unknown";
}

} // namespace mcast
