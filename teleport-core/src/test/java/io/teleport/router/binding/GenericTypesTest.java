package io.teleport.router.binding;

import org.junit.jupiter.api.Test;

import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Type variables bound through superclasses and interfaces, and what stays unbound. */
class GenericTypesTest {

    interface Source<S> {
    }

    static class Base<A, B> {
    }

    static class Mid<X> extends Base<String, List<X>> implements Source<Map<String, X>> {
    }

    static class Leaf extends Mid<Integer> {
    }

    // The expected types, as the JDK builds them.
    @SuppressWarnings("unused")
    private List<Integer> listOfIntegers;
    @SuppressWarnings("unused")
    private Map<String, Integer> mapOfIntegers;
    @SuppressWarnings("unused")
    private List<? extends List<Integer>> wildcard;
    @SuppressWarnings("unused")
    private Map<String, Integer>[] arrayOfMaps;

    private static Type field(String name) throws NoSuchFieldException {
        return GenericTypesTest.class.getDeclaredField(name).getGenericType();
    }

    private static Type variable(Class<?> type, int index) {
        return type.getTypeParameters()[index];
    }

    @Test
    void variablesAreBoundThroughEveryLevelAndInterface() throws Exception {
        assertThat(GenericTypes.resolve(variable(Base.class, 0), Leaf.class)).isEqualTo(String.class);
        assertThat(GenericTypes.resolve(variable(Base.class, 1), Leaf.class)).isEqualTo(field("listOfIntegers"));
        assertThat(GenericTypes.resolve(variable(Source.class, 0), Leaf.class)).isEqualTo(field("mapOfIntegers"));
        assertThat(field("mapOfIntegers")).as("equal both ways, as a codec's cache needs")
                .isEqualTo(GenericTypes.resolve(variable(Source.class, 0), Leaf.class))
                .hasSameHashCodeAs(GenericTypes.resolve(variable(Source.class, 0), Leaf.class));
    }

    @Test
    void wildcardsAndArraysKeepTheirShape() throws Exception {
        Type listOfX = ((ParameterizedType) Mid.class.getGenericSuperclass()).getActualTypeArguments()[1];
        Type mapOfX = ((ParameterizedType) Mid.class.getGenericInterfaces()[0]).getActualTypeArguments()[0];
        Type wildcard = new SyntheticTypes.Parameterized(List.class,
                new Type[] {new SyntheticTypes.Wildcard(new Type[] {listOfX}, new Type[0])}, null);
        assertThat(GenericTypes.resolve(wildcard, Leaf.class)).isEqualTo(field("wildcard"));
        assertThat(field("wildcard")).isEqualTo(GenericTypes.resolve(wildcard, Leaf.class));
        assertThat(GenericTypes.resolve(new SyntheticTypes.GenericArray(mapOfX), Leaf.class)).isEqualTo(field("arrayOfMaps"));
        assertThat(GenericTypes.resolve(new SyntheticTypes.GenericArray(variable(Mid.class, 0)), Leaf.class))
                .isEqualTo(Integer[].class);
    }

    @Test
    void aTypeWithoutVariablesIsKeptAndAnUnboundOneIsNull() throws Exception {
        Type plain = field("listOfIntegers");
        assertThat(GenericTypes.resolve(plain, Leaf.class)).isSameAs(plain);
        assertThat(GenericTypes.resolve(variable(Base.class, 1), Mid.class)).as("X is not bound by Mid itself").isNull();
        assertThat(GenericTypes.resolve(variable(Base.class, 0), Mid.class)).isEqualTo(String.class);
    }
}
