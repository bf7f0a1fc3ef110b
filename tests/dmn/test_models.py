"""Decision requirements graphs, BKMs, decision services, boxed expressions, types and imports."""

from __future__ import annotations

from decimal import Decimal

from bizdevops.dmn import load, load_many
from tests.dmn.helpers import definitions

DRG = definitions(
    """
    <inputData id="i_amount" name="Loan Amount"><variable name="Loan Amount" typeRef="number"/></inputData>
    <decision id="d_fee" name="Fee">
      <variable name="Fee" typeRef="number"/>
      <informationRequirement><requiredInput href="#i_amount"/></informationRequirement>
      <knowledgeRequirement><requiredKnowledge href="#b_rate"/></knowledgeRequirement>
      <literalExpression><text>Rate Of(Loan Amount) * Loan Amount</text></literalExpression>
    </decision>
    <decision id="d_total" name="Total">
      <variable name="Total" typeRef="number"/>
      <informationRequirement><requiredDecision href="#d_fee"/></informationRequirement>
      <informationRequirement><requiredInput href="#i_amount"/></informationRequirement>
      <literalExpression><text>Loan Amount + Fee</text></literalExpression>
    </decision>
    <decision id="d_invoked" name="Invoked">
      <variable name="Invoked"/>
      <knowledgeRequirement><requiredKnowledge href="#b_rate"/></knowledgeRequirement>
      <invocation>
        <literalExpression><text>Rate Of</text></literalExpression>
        <binding><parameter name="amount"/><literalExpression><text>50000</text></literalExpression></binding>
      </invocation>
    </decision>
    <businessKnowledgeModel id="b_rate" name="Rate Of">
      <variable name="Rate Of"/>
      <encapsulatedLogic>
        <formalParameter name="amount" typeRef="number"/>
        <decisionTable hitPolicy="FIRST">
          <input id="ri"><inputExpression><text>amount</text></inputExpression></input>
          <output id="ro"/>
          <rule id="rr1"><inputEntry><text>&gt;= 10000</text></inputEntry><outputEntry><text>0.01</text></outputEntry></rule>
          <rule id="rr2"><inputEntry><text>-</text></inputEntry><outputEntry><text>0.02</text></outputEntry></rule>
        </decisionTable>
      </encapsulatedLogic>
    </businessKnowledgeModel>
    <decisionService id="s_fees" name="Fee Service">
      <variable name="Fee Service"/>
      <outputDecision href="#d_total"/>
      <encapsulatedDecision href="#d_fee"/>
      <inputData href="#i_amount"/>
    </decisionService>
    <decision id="d_via_service" name="Via Service">
      <variable name="Via Service"/>
      <knowledgeRequirement><requiredKnowledge href="#s_fees"/></knowledgeRequirement>
      <literalExpression><text>Fee Service(1000)</text></literalExpression>
    </decision>
    """
)


def test_required_decisions_are_evaluated_first_and_visible_by_name() -> None:
    # given
    model = load(DRG)
    # when
    result = model.evaluate("Total", {"Loan Amount": 20000})
    # then
    assert result.value == Decimal(20200)
    assert [d.name for d in result.decisions] == ["Fee", "Total"]
    assert [d.value for d in result.decisions] == [Decimal(200), Decimal(20200)]


def test_decisions_can_be_found_by_id() -> None:
    assert load(DRG).evaluate("d_fee", {"Loan Amount": 100}).value == Decimal(2)


def test_bkm_is_a_function_for_feel_and_for_boxed_invocation() -> None:
    model = load(DRG)
    assert model.evaluate("Fee", {"Loan Amount": 500}).value == Decimal(10)
    assert model.evaluate("Invoked").value == Decimal("0.01")


def test_decision_service_directly_and_as_a_function() -> None:
    # given
    model = load(DRG)
    # when
    direct = model.evaluate_service("Fee Service", {"Loan Amount": 1000})
    called = model.evaluate("Via Service")
    # then
    assert direct.value == Decimal(1020)
    assert [d.name for d in direct.decisions] == ["Fee", "Total"]
    assert called.value == Decimal(1020)


def test_input_data_is_coerced_to_its_type() -> None:
    model = load(DRG)
    result = model.evaluate("Total", {"Loan Amount": "lots"})
    assert result.value is None
    assert any("does not conform" in w for w in result.warnings)


TYPES = definitions(
    """
    <itemDefinition name="tPerson">
      <itemComponent name="name"><typeRef>string</typeRef></itemComponent>
      <itemComponent name="age"><typeRef>number</typeRef></itemComponent>
    </itemDefinition>
    <itemDefinition name="tNames" isCollection="true"><typeRef>string</typeRef></itemDefinition>
    <itemDefinition name="tGrade"><typeRef>string</typeRef>
      <allowedValues><text>"A", "B", "C"</text></allowedValues></itemDefinition>
    <inputData id="p" name="Person"><variable name="Person" typeRef="tPerson"/></inputData>
    <decision id="greeting" name="Greeting"><variable name="Greeting" typeRef="string"/>
      <informationRequirement><requiredInput href="#p"/></informationRequirement>
      <literalExpression><text>"Hi " + Person.name</text></literalExpression></decision>
    <decision id="names" name="Names"><variable name="Names" typeRef="tNames"/>
      <literalExpression><text>"solo"</text></literalExpression></decision>
    <decision id="one" name="One"><variable name="One" typeRef="string"/>
      <literalExpression><text>["only"]</text></literalExpression></decision>
    <decision id="grade" name="Grade"><variable name="Grade" typeRef="tGrade"/>
      <literalExpression><text>"Z"</text></literalExpression></decision>
    <decision id="check" name="Check"><variable name="Check"/>
      <literalExpression><text>{name: "x", age: 3} instance of tPerson</text></literalExpression></decision>
    """
)


def test_item_definitions_coerce_and_check_values() -> None:
    model = load(TYPES)
    assert model.evaluate("Greeting", {"Person": {"name": "Ann", "age": 30}}).value == "Hi Ann"
    # a context missing a component does not conform: the input is null, so is the greeting
    assert model.evaluate("Greeting", {"Person": {"name": "Ann"}}).value is None
    assert model.evaluate("Names").value == ["solo"]  # single value → singleton list
    assert model.evaluate("One").value == "only"  # singleton list → value
    assert model.evaluate("Grade").value is None  # not an allowed value
    assert model.evaluate("Check").value is True


BOXED = definitions(
    """
    <decision id="ctx" name="Ctx"><variable name="Ctx"/>
      <context>
        <contextEntry><variable name="base rate"/><literalExpression><text>2</text></literalExpression></contextEntry>
        <contextEntry><variable name="double"/>
          <functionDefinition><formalParameter name="n" typeRef="number"/>
            <literalExpression><text>n * base rate</text></literalExpression></functionDefinition></contextEntry>
        <contextEntry><variable name="result"/><literalExpression><text>double(21)</text></literalExpression></contextEntry>
      </context></decision>
    <decision id="ctx_result" name="Ctx Result"><variable name="Ctx Result"/>
      <context>
        <contextEntry><variable name="a"/><literalExpression><text>1</text></literalExpression></contextEntry>
        <contextEntry><literalExpression><text>a + 1</text></literalExpression></contextEntry>
      </context></decision>
    <decision id="rel" name="Rel"><variable name="Rel"/>
      <relation><column name="id"/><column name="label"/>
        <row><literalExpression><text>1</text></literalExpression><literalExpression><text>"one"</text></literalExpression></row>
        <row><literalExpression><text>2</text></literalExpression><literalExpression><text>"two"</text></literalExpression></row>
      </relation></decision>
    <decision id="lst" name="Lst"><variable name="Lst"/>
      <list><literalExpression><text>1+1</text></literalExpression><literalExpression><text>"b"</text></literalExpression></list></decision>
    <decision id="cond" name="Cond"><variable name="Cond"/>
      <conditional><if><literalExpression><text>1 &gt; 2</text></literalExpression></if>
        <then><literalExpression><text>"yes"</text></literalExpression></then>
        <else><literalExpression><text>"no"</text></literalExpression></else></conditional></decision>
    <decision id="flt" name="Flt"><variable name="Flt"/>
      <filter><in><literalExpression><text>[1, 5, 10]</text></literalExpression></in>
        <match><literalExpression><text>item &gt; 3</text></literalExpression></match></filter></decision>
    <decision id="itr" name="Itr"><variable name="Itr"/>
      <for iteratorVariable="v"><in><literalExpression><text>[1, 2]</text></literalExpression></in>
        <return><literalExpression><text>v * 10</text></literalExpression></return></for></decision>
    """
)


def test_boxed_context_relation_list_and_function_definition() -> None:
    model = load(BOXED)
    assert model.evaluate("Ctx").value["result"] == Decimal(42)
    assert model.evaluate("Ctx Result").value == Decimal(2)
    assert model.evaluate("Rel").value == [
        {"id": Decimal(1), "label": "one"},
        {"id": Decimal(2), "label": "two"},
    ]
    assert model.evaluate("Lst").value == [Decimal(2), "b"]


def test_boxed_conditional_filter_and_iterator() -> None:
    model = load(BOXED)
    assert model.evaluate("Cond").value == "no"
    assert model.evaluate("Flt").value == [Decimal(5), Decimal(10)]
    assert model.evaluate("Itr").value == [Decimal(10), Decimal(20)]


def test_imported_bkm_is_called_through_the_import_name() -> None:
    # given
    library = definitions(
        """<businessKnowledgeModel id="hello" name="Say Hello"><variable name="Say Hello"/>
             <encapsulatedLogic><formalParameter name="who" typeRef="string"/>
               <literalExpression><text>"Hello " + who</text></literalExpression></encapsulatedLogic>
           </businessKnowledgeModel>""",
        namespace="http://example.com/lib",
        name="lib",
    )
    main = definitions(
        """<import namespace="http://example.com/lib" name="lib" importType="https://www.omg.org/spec/DMN/20230324/MODEL/"/>
           <decision id="g" name="Greeting"><variable name="Greeting"/>
             <knowledgeRequirement><requiredKnowledge href="http://example.com/lib#hello"/></knowledgeRequirement>
             <literalExpression><text>lib.Say Hello("Bob")</text></literalExpression></decision>"""
    )
    # when
    models = load_many([main, library])
    # then
    assert models[0].evaluate("Greeting").value == "Hello Bob"


def test_variables_may_be_plain_json() -> None:
    model = load(DRG)
    assert model.evaluate("Total", {"Loan Amount": 100.5}).value == Decimal("102.51")


def test_unnamed_import_puts_imported_names_in_scope_and_inputs_may_be_given_per_namespace() -> None:
    # given
    library = definitions(
        """<inputData id="who" name="Who"><variable name="Who" typeRef="string"/></inputData>
           <decision id="hi" name="Hi"><variable name="Hi"/>
             <informationRequirement><requiredInput href="#who"/></informationRequirement>
             <literalExpression><text>"Hi " + Who</text></literalExpression></decision>
           <businessKnowledgeModel id="twice" name="Twice"><variable name="Twice"/>
             <encapsulatedLogic><formalParameter name="s"/><literalExpression><text>s + s</text></literalExpression>
             </encapsulatedLogic></businessKnowledgeModel>""",
        namespace="http://example.com/lib",
        name="lib",
    )
    main = definitions(
        """<import namespace="http://example.com/lib" name="" importType="https://www.omg.org/spec/DMN/20230324/MODEL/"/>
           <decision id="g" name="Greeting"><variable name="Greeting"/>
             <informationRequirement><requiredDecision href="http://example.com/lib#hi"/></informationRequirement>
             <literalExpression><text>Twice(Hi)</text></literalExpression></decision>"""
    )
    # when
    model = load_many([main, library])[0]
    result = model.evaluate("Greeting", by_namespace={"http://example.com/lib": {"Who": "Al"}})
    # then
    assert result.value == "Hi AlHi Al"
    assert [d.name for d in result.decisions] == ["Hi", "Greeting"]


def test_bkm_parameters_named_like_paths_do_not_hide_paths_outside_the_bkm() -> None:
    # given: TCK 0037 style, parameters called "Person.Name" bound from the path Person.Name
    xml = definitions(
        """<inputData id="p" name="Person"><variable name="Person"/></inputData>
           <decision id="d" name="Description"><variable name="Description"/>
             <informationRequirement><requiredInput href="#p"/></informationRequirement>
             <knowledgeRequirement><requiredKnowledge href="#b"/></knowledgeRequirement>
             <invocation><literalExpression><text>Describe</text></literalExpression>
               <binding><parameter name="Person.Name"/><literalExpression><text>Person.Name</text></literalExpression></binding>
             </invocation></decision>
           <businessKnowledgeModel id="b" name="Describe"><variable name="Describe"/>
             <encapsulatedLogic><formalParameter name="Person.Name" typeRef="string"/>
               <literalExpression><text>"Hi " + Person.Name</text></literalExpression></encapsulatedLogic>
           </businessKnowledgeModel>"""
    )
    # when / then
    assert load(xml).evaluate("Description", {"Person": {"Name": "Ann"}}).value == "Hi Ann"


def test_function_definition_type_ref_is_the_return_type() -> None:
    xml = definitions(
        """<decision id="d" name="D"><variable name="D"/><context>
             <contextEntry><variable name="f"/>
               <functionDefinition typeRef="string"><formalParameter name="n"/>
                 <literalExpression><text>n</text></literalExpression></functionDefinition></contextEntry>
             <contextEntry><literalExpression><text>[f("a"), f(1)]</text></literalExpression></contextEntry>
           </context></decision>"""
    )
    assert load(xml).evaluate("D").value == ["a", None]


def test_java_functions_are_emulated_for_whitelisted_jdk_methods_only() -> None:
    # given
    def java(name: str, klass: str, signature: str, call: str) -> str:
        return f"""<decision id="{name}" name="{name}"><variable name="{name}"/><context>
             <contextEntry><variable name="f"/><functionDefinition kind="Java">
               <formalParameter name="a"/><formalParameter name="b"/>
               <context>
                 <contextEntry><variable name="class"/><literalExpression><text>"{klass}"</text></literalExpression></contextEntry>
                 <contextEntry><variable name="method signature"/><literalExpression><text>"{signature}"</text></literalExpression></contextEntry>
               </context></functionDefinition></contextEntry>
             <contextEntry><literalExpression><text>{call}</text></literalExpression></contextEntry>
           </context></decision>"""

    model = load(
        definitions(
            java("max", "java.lang.Math", "max(double, double)", "f(123, 456)")
            + java("exec", "java.lang.Runtime", "exec(java.lang.String, java.lang.String)", 'f("rm", "-rf")')
            + java(
                "format",
                "java.lang.String",
                "format(java.lang.String, [Ljava.lang.Object;)",
                'f("foo %s", "bar")',
            )
        )
    )
    # then
    assert model.evaluate("max").value == Decimal(456)
    assert model.evaluate("exec").value is None
    assert model.evaluate("format").value == "foo bar"


def test_bkm_can_be_invoked_directly_and_models_are_cached_by_text() -> None:
    from bizdevops.dmn import load_cached

    model = load_cached(DRG)
    assert load_cached(DRG) is model
    assert model.evaluate_bkm("Rate Of", {"amount": 5}).value == Decimal("0.02")
    assert model.evaluate_bkm("Rate Of", {"amount": 5, "unrelated": 1}).value == Decimal("0.02")


LAMBDAS = definitions(
    """
    <decision name="d2" id="d2"><variable name="d2"/>
      <functionDefinition><formalParameter name="a" typeRef="number"/>
        <literalExpression><text>1 + a</text></literalExpression></functionDefinition></decision>
    <decision name="use d2" id="use_d2"><variable name="use d2"/>
      <informationRequirement><requiredDecision href="#d2"/></informationRequirement>
      <literalExpression><text>d2(3)</text></literalExpression></decision>
    <businessKnowledgeModel name="curry" id="curry"><variable name="curry"/>
      <encapsulatedLogic><formalParameter name="a" typeRef="number"/>
        <functionDefinition><formalParameter name="b" typeRef="number"/>
          <literalExpression><text>a * b</text></literalExpression></functionDefinition></encapsulatedLogic>
    </businessKnowledgeModel>
    <decision name="use curry" id="use_curry"><variable name="use curry"/>
      <knowledgeRequirement><requiredKnowledge href="#curry"/></knowledgeRequirement>
      <context>
        <contextEntry><variable name="a"/><literalExpression><text>10</text></literalExpression></contextEntry>
        <contextEntry><literalExpression><text>curry(100)(2)</text></literalExpression></contextEntry>
      </context></decision>
    <businessKnowledgeModel name="apply2" id="apply2"><variable name="apply2"/>
      <encapsulatedLogic><formalParameter name="fn1"/><formalParameter name="fn2"/>
        <literalExpression><text>fn1(5) * fn2(10)</text></literalExpression></encapsulatedLogic>
    </businessKnowledgeModel>
    <inputData name="n" id="n"><variable name="n" typeRef="number"/></inputData>
    <decision name="times ten" id="times_ten"><variable name="times ten"/>
      <informationRequirement><requiredInput href="#n"/></informationRequirement>
      <literalExpression><text>n * 10</text></literalExpression></decision>
    <decisionService name="ds" id="ds"><variable name="ds"/><outputDecision href="#times_ten"/><inputData href="#n"/></decisionService>
    <decision name="pass service" id="pass_service"><variable name="pass service"/>
      <knowledgeRequirement><requiredKnowledge href="#apply2"/></knowledgeRequirement>
      <knowledgeRequirement><requiredKnowledge href="#ds"/></knowledgeRequirement>
      <literalExpression><text>apply2(ds, ds)</text></literalExpression></decision>
    <decision name="pass bkm" id="pass_bkm"><variable name="pass bkm"/>
      <literalExpression><text>apply2(curry(2), curry(3))</text></literalExpression></decision>
    """
)


def test_functions_are_values_closures_keep_their_scope() -> None:
    model = load(LAMBDAS)
    assert model.evaluate("use d2").value == Decimal(4)
    assert model.evaluate("use curry").value == Decimal(
        200
    )  # the closed-over a=100 wins over the context's a
    assert model.evaluate("pass service").value == Decimal(5000)
    assert model.evaluate("pass bkm").value == Decimal(10 * 30)
