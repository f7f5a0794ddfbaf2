package io.teleport.router;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

class RouteNamesTest {

    @ParameterizedTest
    @CsvSource({
        "Test, test", "TestUnknown, test_unknown", "testUnknown, test_unknown", "XxYy, xx_yy",
        "HTTPServer, h_t_t_p_server", "ABTest, a_b_test", "Get2Items, get2_items", "Test_Abc, test__abc",
        "Home, home", "_Abc, _abc"
    })
    void snakeCaseAsGoutil(String name, String snake) {
        assertThat(RouteNames.snake(name)).isEqualTo(snake);
    }

    @ParameterizedTest
    @CsvSource({
        "'/', group, /group", "/a/, b, /a/b", "/, /a/, /a", "/, '', /", "/x, ../y, /y", "//a//b/, ./c, /a/b/c"
    })
    void joinCleansLikeGoPath(String prefix, String element, String joined) {
        assertThat(RouteNames.join(prefix, element)).isEqualTo(joined);
    }
}
